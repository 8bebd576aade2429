import dhruva

job_id = dhruva.generate()  # a fresh id for every job
