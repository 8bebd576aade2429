import uuid

short = str(uuid.uuid4())[:8]
