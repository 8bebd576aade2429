from uuid import uuid4

a = f"{uuid4()!r}"
b = "%r" % uuid4()
c = uuid4().int
