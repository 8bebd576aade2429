import dhruva


class Session:
    def __init__(self, project, started):
        self.project = project
        self.session_id = f"{self.project}-{started}"

    def rotate(self, project, ts):
        session_id = dhruva.generate()
        return session_id
