import dhruva


def new_run(project, ts):
    run_id = f"{project}-{ts}"
    batch_id = dhruva.generate()
    return run_id, batch_id
