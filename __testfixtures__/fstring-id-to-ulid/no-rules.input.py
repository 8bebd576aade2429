def start(project, ts):
    session_id = f"{project}-{ts}"
    return session_id
