from uuid import uuid4

a = "%s" % uuid4()
b = "%s-%s" % ("run", uuid4())
