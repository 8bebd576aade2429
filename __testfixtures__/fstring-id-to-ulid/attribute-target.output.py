import logging

import dhruva

log = logging.getLogger(__name__)


class SessionManager:
    def __init__(self, project_name, started):
        self.project_name = project_name
        # The ID the rest of the service keys sessions by.
        self.session_id = dhruva.generate()
        log.info("session %s", self.session_id)

    def clone(self, other):
        other.session_id = f"{self.project_name}-copy"
        return other
