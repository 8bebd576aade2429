from uuid import UUID


def load(job_id: str):
    return UUID(job_id)


def ok(job_id: str) -> bool:
    return len(job_id) == 36
