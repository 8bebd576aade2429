import uuid
from uuid import uuid4

short = str(uuid.uuid4())[:8]
tag = uuid4().hex[:8]
