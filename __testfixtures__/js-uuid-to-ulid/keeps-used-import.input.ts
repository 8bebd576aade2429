import { v4 as uuidv4 } from "uuid";

export const one = uuidv4();
export const makers = [uuidv4];
