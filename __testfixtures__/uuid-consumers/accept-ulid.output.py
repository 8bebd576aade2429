import re
import uuid
from uuid import UUID


class Job:
    def __init__(self):
        self.job_id = str(uuid.uuid4())


def validate(job: Job) -> Job:
    (re.fullmatch(r"[0-7][0-9A-HJKMNP-TV-Z]{25}", job.job_id) or UUID(job.job_id, version=4))
    assert len(job.job_id) in (36, 26)
    if len(job.job_id) not in (36, 26):
        raise ValueError("job_id must be a UUID")
    return job


def parse(job: Job):
    return UUID(job.job_id)


def unrelated(request_id: str):
    UUID(request_id)
