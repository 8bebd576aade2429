import logging
from uuid import UUID, uuid4

log = logging.getLogger(__name__)

# Process-wide identity; callers compare it as a UUID.
RUNNER_ID: UUID = uuid4()


def start_job(name: str) -> str:
    job_id = str(uuid4())
    log.info("starting %s as %s", name, job_id)
    return f"job-{uuid4()}"


def short_tag() -> str:
    # Shown in the status line; only eight characters fit.
    return uuid4().hex[:8]


def trace_header() -> dict[str, str]:
    return {"X-Trace": "trace-%s" % uuid4()}
