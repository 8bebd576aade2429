from typing import Final
from uuid import UUID, uuid4

MODULE_ID: Final[UUID] = uuid4()
