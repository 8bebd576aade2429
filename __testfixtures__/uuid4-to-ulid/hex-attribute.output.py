import dhruva

token = dhruva.generate()
