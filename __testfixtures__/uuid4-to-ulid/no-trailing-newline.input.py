import uuid
x = str(uuid.uuid4())