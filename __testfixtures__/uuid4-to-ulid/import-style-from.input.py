import uuid

a = str(uuid.uuid4())
