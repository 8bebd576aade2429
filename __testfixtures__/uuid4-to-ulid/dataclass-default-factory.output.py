from dataclasses import dataclass, field

import dhruva


@dataclass
class Job:
    job_id: str = field(default_factory=lambda: dhruva.generate())
    name: str = ""
