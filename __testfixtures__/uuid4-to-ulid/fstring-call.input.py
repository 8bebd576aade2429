import uuid

name = f"job-{uuid.uuid4()}"
