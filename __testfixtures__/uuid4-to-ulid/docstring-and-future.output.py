"""Job tracking."""

from __future__ import annotations

import dhruva


def make() -> str:
    return dhruva.generate()
