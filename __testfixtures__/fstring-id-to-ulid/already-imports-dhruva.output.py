import dhruva


def new_run(project, ts):
    run_id = dhruva.generate()
    batch_id = dhruva.generate()
    return run_id, batch_id
