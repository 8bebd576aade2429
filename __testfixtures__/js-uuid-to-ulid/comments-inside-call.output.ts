import { ulid } from "ulid";

export const a = ulid(/* job id */);
export const b = ulid(// request id
);
export const c = ulid(/* Web Crypto */);
