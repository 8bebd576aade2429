import dhruva


def new_job_id() -> str:
    return dhruva.generate()
