import { v4 as uuidv4 } from "uuid";

export const compact = uuidv4().replace(/-/g, "");
export const token = crypto.randomUUID().replaceAll("-", "");
