import uuid

import dhruva


def outer():
    def inner():
        return dhruva.generate()

    return inner(), uuid.UUID(int=0)
