"""No imports at module level."""

import dhruva


def make():
    return dhruva.generate()
