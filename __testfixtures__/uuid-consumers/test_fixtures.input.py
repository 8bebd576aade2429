import uuid
from uuid import UUID

OWNER = "3f2c1b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
FIXED = UUID("7f3a2b1c-9d4e-4f5a-8b6c-1d2e3f4a5b6c")


def fresh_job():
    job_id = str(uuid.uuid4())
    return {"job_id": job_id}


def test_lookup(store):
    job = {"job_id": "550e8400-e29b-41d4-a716-446655440000", "owner": OWNER}
    store.add(job)
    assert store.get(job_id="550e8400-e29b-41d4-a716-446655440000")


def test_typed(store):
    job_id = UUID("123e4567-e89b-42d3-a456-426614174000")
    assert store.get(job_id)
