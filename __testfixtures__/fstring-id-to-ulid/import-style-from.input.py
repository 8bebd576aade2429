"""Session helpers."""

from datetime import datetime


def start(project):
    return Session(session_id=f"{project}-{datetime.now():%s}")
