import { NIL, v1, v5, v7 } from "uuid";

export const clock = v1();
export const named = v5("example.org", v5.DNS);
export const sortable = v7();
export const empty = NIL;
