import dhara


def start(project, ts):
    session_id = dhara.generate()
    return session_id
