"""No imports at module level."""


def make():
    import uuid

    return str(uuid.uuid4())
