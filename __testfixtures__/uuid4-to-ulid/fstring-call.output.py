import dhruva

name = f"job-{dhruva.generate()}"
