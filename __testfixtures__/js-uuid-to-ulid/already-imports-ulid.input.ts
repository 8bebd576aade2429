import { ulid } from "ulid";
import { v4 as uuidv4 } from "uuid";

export const a = ulid();
export const b = uuidv4();
