import uuid
from typing import Optional
from uuid import UUID

from pydantic import UUID4, BaseModel

MODULE_ID: UUID = UUID("7f3a2b1c-9d4e-4f5a-8b6c-1d2e3f4a5b6c")


class Job(BaseModel):
    job_id: UUID4
    parent: Optional[uuid.UUID] = None


def new_job() -> UUID:
    return str(uuid.uuid4())


def get_job(job_id: UUID, owner: UUID = MODULE_ID):
    return job_id, owner


def make() -> str:
    job_id = str(uuid.uuid4())
    return job_id
