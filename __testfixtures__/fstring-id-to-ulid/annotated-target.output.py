from dataclasses import dataclass

import dhruva


@dataclass
class Session:
    project: str

    def start(self, at: float) -> str:
        self.session_id: str = dhruva.generate()
        return self.session_id


def make(project: str, at: float) -> str:
    session_id: str = dhruva.generate()
    return session_id
