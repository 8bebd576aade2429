import uuid


def new_job_id():
    return str(uuid.uuid4())


def schedule():
    jid = new_job_id()
    uuid.UUID(jid)
    return uuid.UUID(new_job_id()).hex
