import dhruva
from dataclasses import dataclass, field


@dataclass
class Job:
    job_id: str = field(default_factory=lambda: dhruva.generate())
    name: str = ""
