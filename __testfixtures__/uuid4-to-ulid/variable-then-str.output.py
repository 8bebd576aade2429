from uuid import uuid4

x = uuid4()
print(x.int, str(x))
