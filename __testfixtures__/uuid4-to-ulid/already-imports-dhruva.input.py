import uuid

import dhruva

a = dhruva.generate()
b = str(uuid.uuid4())
