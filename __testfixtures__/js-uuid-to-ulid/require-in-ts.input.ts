const { randomUUID } = require("crypto");

export const id: string = randomUUID();
