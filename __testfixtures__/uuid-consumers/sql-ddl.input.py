import uuid

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id UUID PRIMARY KEY,
    owner_id UUID,
    status TEXT
)
"""

NOT_DDL = "SELECT uuid FROM settings"


def new_job(db):
    job_id = str(uuid.uuid4())
    db.execute("INSERT INTO jobs (job_id, status) VALUES (?, ?)", (job_id, "new"))
    db.execute("ALTER TABLE runs ADD COLUMN run_id UUID")
