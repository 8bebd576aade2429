import { v4 as uuidv4 } from "uuid";

export const shortRef = uuidv4().slice(0, 8);
export const part = uuidv4().substring(0, 13);
export const head = uuidv4().split("-")[0];
export const groups = uuidv4().split("-");
export const size = uuidv4().length;
