import hashlib
import uuid


def new_job():
    job_id = str(uuid.uuid4())
    assert len(job_id) == 36
    return job_id


def digest_ok(data: bytes, digest: str) -> bool:
    return len(digest) == 32 and hashlib.md5(data).hexdigest() == digest


def short(code: str) -> bool:
    return len(code) == 26 or 36 > len(code)


def store(job_id: str):
    if 36 != len(job_id):
        raise ValueError("bad job id")
