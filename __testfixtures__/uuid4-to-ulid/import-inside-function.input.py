import logging

log = logging.getLogger(__name__)


def start():
    import uuid

    job_id = str(uuid.uuid4())
    log.info("started %s", job_id)
    return job_id
