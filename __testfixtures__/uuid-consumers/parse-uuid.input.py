import uuid
from uuid import UUID

MODULE_ID = UUID("7f3a2b1c-9d4e-4f5a-8b6c-1d2e3f4a5b6c")
NAMESPACE = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")


def new_job() -> dict:
    job_id = str(uuid.uuid4())
    return {"job_id": job_id}


def load(job_id: str):
    parsed = uuid.UUID(job_id)
    return parsed.int


def check(request_id: str) -> bool:
    return UUID(request_id).version == 4


def from_int(n: int):
    return UUID(int=n)
