from uuid import UUID, uuid4


def parse(value: str) -> UUID:
    return UUID(value)


def new_id() -> str:
    return str(uuid4())
