import uuid

token = uuid.uuid4().hex
