import uuid as u

run_id = str(u.uuid4())
