import * as uuid from "uuid";

export const a = uuid.v4(/* job id */);
export const b = uuid.v4( // request id
);
export const c = crypto /* Web Crypto */ .randomUUID();
