import uuid


def generate():
    return "report"


a = str(uuid.uuid4())
