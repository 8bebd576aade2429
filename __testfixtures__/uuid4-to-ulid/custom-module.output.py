import dhara

a = dhara.generate()
