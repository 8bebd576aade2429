import dhruva


def f():
	if True:   
		return dhruva.generate()   
