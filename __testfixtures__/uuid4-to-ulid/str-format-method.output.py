import dhruva

a = "{}".format(dhruva.generate())
b = "{prefix}-{id}".format(prefix="run", id=dhruva.generate())
