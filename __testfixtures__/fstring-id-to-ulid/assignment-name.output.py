from datetime import datetime

import dhruva


def new_session(project_name):
    timestamp = datetime.now().strftime("%Y%m%d%H%M%S")
    session_id = dhruva.generate()
    return {"id": session_id, "project": project_name}
