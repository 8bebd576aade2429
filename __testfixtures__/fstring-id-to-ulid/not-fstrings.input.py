def start(project, ts):
    session_id = "static-id"
    session_id = "{}-{}".format(project, ts)
    session_id = "%s-%s" % (project, ts)
    session_id = f"{project}" f"-{ts}"
    session_id += f"-{ts}"
    return session_id
