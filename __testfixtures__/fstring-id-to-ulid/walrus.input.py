def start(sessions, project, ts):
    if (session_id := f"{project}-{ts}") not in sessions:
        sessions.append(session_id)
