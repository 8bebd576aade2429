from uuid import UUID

from dhruva import generate


def new_session() -> str:
    session_id = generate()
    return session_id


def resume(session_id: str):
    return UUID(session_id)
