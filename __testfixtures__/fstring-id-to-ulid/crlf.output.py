import os

import dhruva


def start(project):
    pid = os.getpid()
    session_id = dhruva.generate()
    return session_id
