import logging

import dhruva

log = logging.getLogger(__name__)


def start():
    job_id = dhruva.generate()
    log.info("started %s", job_id)
    return job_id
