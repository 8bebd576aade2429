import dhruva

key = "job-" + dhruva.generate()
