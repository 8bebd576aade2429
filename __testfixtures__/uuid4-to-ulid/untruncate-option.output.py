import dhruva

short = dhruva.generate()
