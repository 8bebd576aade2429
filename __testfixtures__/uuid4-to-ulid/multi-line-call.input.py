import uuid

job = dict(
    job_id=str(
        uuid.uuid4()
    ),
    status="new",
)
