import logging

log = logging.getLogger(__name__)


def other_tables(con, table: str):
    con.execute("INSERT INTO projects VALUES (?, ?)", ["a", "b"])
    con.execute("UPDATE sessions SET project = ? WHERE session_id = ?", ["a", "b"])
    con.execute("DELETE FROM sessions WHERE session_id = ?", ["a"])
    con.execute(f"INSERT INTO {table} VALUES (?, ?)", ["a", "b"])
    con.execute("INSERT INTO sessions (session_id, session_ulid) VALUES (?, ?)", ["a", "b"])
    con.execute("SELECT count(*) FROM sessions").fetchone()
    log.info("INSERT INTO sessions VALUES (?)")
    query = "SELECT * FROM sessions"
    return query
