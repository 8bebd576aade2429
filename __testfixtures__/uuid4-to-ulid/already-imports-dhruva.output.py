import dhruva

a = dhruva.generate()
b = dhruva.generate()
