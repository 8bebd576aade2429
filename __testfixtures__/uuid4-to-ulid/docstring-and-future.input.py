"""Job tracking."""

from __future__ import annotations

import uuid


def make() -> str:
    return str(uuid.uuid4())
