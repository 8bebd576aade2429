import dhruva


def make_ids(project, ts, n, width):
    session_id = dhruva.generate()
    run_id = dhruva.generate()
    job_id = dhruva.generate()
    return session_id, run_id, job_id
