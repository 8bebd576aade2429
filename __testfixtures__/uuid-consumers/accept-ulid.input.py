import uuid
from uuid import UUID


class Job:
    def __init__(self):
        self.job_id = str(uuid.uuid4())


def validate(job: Job) -> Job:
    UUID(job.job_id, version=4)
    assert len(job.job_id) == 36
    if len(job.job_id) != 36:
        raise ValueError("job_id must be a UUID")
    return job


def parse(job: Job):
    return UUID(job.job_id)


def unrelated(request_id: str):
    UUID(request_id)
