import { v4 as uuidv4 } from "uuid";
import { ulid } from "ulid";

export const one = ulid();
export const makers = [uuidv4];
