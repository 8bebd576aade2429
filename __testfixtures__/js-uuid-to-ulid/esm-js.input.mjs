import { v4 } from "uuid";

export const makeEvent = (type) => ({ type, eventId: v4() });
