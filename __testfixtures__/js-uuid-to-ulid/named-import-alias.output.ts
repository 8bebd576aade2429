import { ulid } from "ulid";
import { EventEmitter } from "node:events";

export interface Job {
  id: string;
  name: string;
}

export class JobQueue extends EventEmitter {
  readonly queueId = ulid();

  enqueue(name: string, id: string = ulid()): Job {
    const job = { id, name, traceId: `trace-${ulid()}` };
    this.emit("job", job);
    return job;
  }

  label(name: string): string {
    return name + ":" + ulid();
  }
}
