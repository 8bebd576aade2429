from uuid import uuid4

issue = f"issue_{uuid4().hex}"
