def start(project, ts):
    session_id = current = f"{project}-{ts}"
    session_id, started = f"{project}-{ts}", ts
    return session_id, current, started
