import uuid

import dhruva

a = uuid.uuid1()
b = uuid.uuid5(uuid.NAMESPACE_DNS, "example.org")
c = uuid.UUID("12345678-1234-5678-1234-567812345678")
d = dhruva.generate()
