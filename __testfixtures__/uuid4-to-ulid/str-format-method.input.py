from uuid import uuid4

a = "{}".format(uuid4())
b = "{prefix}-{id}".format(prefix="run", id=uuid4())
