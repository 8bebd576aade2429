import re
import uuid

from pydantic import BaseModel, Field

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
HEX32 = r"[0-9a-f]{32}"
UNUSED = "[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}"


class Job(BaseModel):
    job_id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def new_job():
    job = Job(job_id=str(uuid.uuid4()))
    return job


def valid(job: Job) -> bool:
    return UUID_RE.match(job.job_id) is not None


def token_ok(token: str) -> bool:
    return re.fullmatch(HEX32, token) is not None


def not_a_uuid(code: str) -> bool:
    return re.match(r"^[A-Z]{8}$", code) is not None
