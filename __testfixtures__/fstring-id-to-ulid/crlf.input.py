import os


def start(project):
    pid = os.getpid()
    session_id = f"{project}-{pid}"
    return session_id
