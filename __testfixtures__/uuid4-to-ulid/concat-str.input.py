from uuid import uuid4

key = "job-" + str(uuid4())
