import sqlite3
import uuid


def new_job(db: sqlite3.Connection) -> str:
    job_id = str(uuid.uuid4())
    db.execute("INSERT INTO jobs VALUES (NULL, ?, CURRENT_TIMESTAMP, 'pending')", (job_id,))
    db.execute("INSERT INTO jobs (job_id, status) VALUES (?, ?)", (job_id, "pending"))
    db.execute("INSERT INTO hook_executions (job_id, hook) VALUES (?, ?)", (job_id, "ruff"))
    row_id, jid, start, status = db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
    return jid
