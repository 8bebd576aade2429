from dataclasses import dataclass


@dataclass
class Session:
    project: str

    def start(self, at: float) -> str:
        self.session_id: str = f"{self.project}-{at}"
        return self.session_id


def make(project: str, at: float) -> str:
    session_id: str = f"{project}-{at}"
    return session_id
