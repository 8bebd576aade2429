from uuid import UUID

import dhruva


def parse(value: str) -> UUID:
    return UUID(value)


def new_id() -> str:
    return dhruva.generate()
