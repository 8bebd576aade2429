import dhruva

issue = f"issue_{dhruva.generate()}"
