import uuid

job_id = str(  # a fresh id for every job
    uuid.uuid4()
)
