from uuid import UUID, uuid4

from pydantic import BaseModel, Field, field_validator, validator


class Job(BaseModel):
    job_id: str = Field(default_factory=lambda: str(uuid4()))
    trace_id: str = ""

    @field_validator("job_id")
    @classmethod
    def job_id_is_uuid(cls, v: str) -> str:
        UUID(v, version=4)
        return v

    @validator("trace_id")
    def trace_id_is_uuid(cls, value):
        UUID(value)
        return value
