"""Session helpers."""

from datetime import datetime

from dhruva import generate


def start(project):
    return Session(session_id=generate())
