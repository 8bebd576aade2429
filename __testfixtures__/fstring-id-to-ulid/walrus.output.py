import dhruva


def start(sessions, project, ts):
    if (session_id := dhruva.generate()) not in sessions:
        sessions.append(session_id)
