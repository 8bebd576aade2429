import uuid
from uuid import UUID

MODULE_ID = UUID("7f3a2b1c-9d4e-4f5a-8b6c-1d2e3f4a5b6c")
NS = uuid.UUID(int=0)


def is_uuid(value) -> bool:
    return isinstance(value, UUID)


def width(text: str) -> bool:
    return len(text) == 26 or len(text) > 36


def total(counter) -> int:
    return counter.int + counter.bytes


def label() -> str:
    return "{8} apples"
