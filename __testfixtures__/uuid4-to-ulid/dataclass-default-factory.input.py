import uuid
from dataclasses import dataclass, field


@dataclass
class Job:
    job_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    name: str = ""
