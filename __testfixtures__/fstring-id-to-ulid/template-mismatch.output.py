import dhruva


def sessions(project, ts, n):
    session_id = f"sess:{project}:{ts}"
    session_id = f"{project}_{ts}"
    session_id = f"{project}-{ts}-{n}"
    session_id = dhruva.generate()
    return session_id
