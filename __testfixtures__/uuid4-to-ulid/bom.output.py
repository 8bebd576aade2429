import dhruva

x = dhruva.generate()
