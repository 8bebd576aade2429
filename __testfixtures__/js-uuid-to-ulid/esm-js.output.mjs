import { ulid } from "ulid";

export const makeEvent = (type) => ({ type, eventId: ulid() });
