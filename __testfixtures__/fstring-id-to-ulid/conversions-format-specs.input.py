def make_ids(project, ts, n, width):
    session_id = f"{project!s}-{ts:%Y%m%dT%H%M}"
    run_id = f"{project!r}-{n:04d}"
    job_id = f"{project}-{n:{width}d}"
    return session_id, run_id, job_id
