import uuid

# jobs
def new_job():
    return {"id": str(uuid.uuid4())}
