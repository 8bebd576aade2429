import { v4 as uuidv4 } from "uuid";
import { EventEmitter } from "node:events";

export interface Job {
  id: string;
  name: string;
}

export class JobQueue extends EventEmitter {
  readonly queueId = uuidv4();

  enqueue(name: string, id: string = uuidv4()): Job {
    const job = { id, name, traceId: `trace-${uuidv4()}` };
    this.emit("job", job);
    return job;
  }

  label(name: string): string {
    return name + ":" + uuidv4();
  }
}
