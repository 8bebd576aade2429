import uuid


class Job:
    def __init__(self):
        self.job_id = uuid.uuid4().hex

    def shard(self) -> int:
        return self.job_id.int % 16

    def raw(self) -> bytes:
        return uuid.UUID(self.job_id).bytes


def size(value) -> int:
    return value.int + 1
