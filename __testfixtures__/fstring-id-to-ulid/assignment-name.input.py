from datetime import datetime


def new_session(project_name):
    timestamp = datetime.now().strftime("%Y%m%d%H%M%S")
    session_id = f"{project_name}-{timestamp}"
    return {"id": session_id, "project": project_name}
