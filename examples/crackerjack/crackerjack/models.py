"""Job records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone


@dataclass
class Job:
    job_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    status: str = "queued"


@dataclass
class HookExecution:
    job_id: str
    hook: str
    execution_id: str = field(default_factory=lambda: uuid.uuid4().hex)
