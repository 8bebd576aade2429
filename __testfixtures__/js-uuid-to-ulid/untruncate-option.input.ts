import { v4 as uuidv4 } from "uuid";

export const shortRef = uuidv4().slice(0, 8);
export const head = crypto.randomUUID().split("-")[0];
