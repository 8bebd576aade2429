import dhruva

a = "%s" % dhruva.generate()
b = "%s-%s" % ("run", dhruva.generate())
