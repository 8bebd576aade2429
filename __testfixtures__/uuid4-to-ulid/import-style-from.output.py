from dhruva import generate

a = generate()
