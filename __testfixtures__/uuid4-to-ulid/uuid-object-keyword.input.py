from uuid import uuid4


def check(run):
    return run(check_id=uuid4())
