from uuid import uuid4 as make_id

run_id = make_id().hex
