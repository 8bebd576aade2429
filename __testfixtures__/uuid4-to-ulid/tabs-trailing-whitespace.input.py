import uuid


def f():
	if True:   
		return str(uuid.uuid4())   
