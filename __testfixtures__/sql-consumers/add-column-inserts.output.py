import duckdb
from dhruva import generate

TABLE_SQL = "INSERT INTO sessions (session_id, session_ulid, project) VALUES (?, ?, ?)"


def start(con: duckdb.DuckDBPyConnection, project: str, started) -> str:
    session_id = generate()
    con.execute("INSERT INTO sessions VALUES (?, ?, ?)", [session_id, project, started])
    con.execute(
        "INSERT INTO sessions (session_id, project, started) VALUES (?, ?, ?)",
        [session_id, project, started],
    )
    con.execute(TABLE_SQL, [session_id, session_id, project])
    return session_id


def reflect(con, session_id: str, text: str) -> None:
    sql = "INSERT INTO reflections (id, session_id, content) VALUES (nextval('seq'), ?, ?)"
    con.execute(sql, [session_id, text])
    con.executemany("INSERT INTO conversations (session_id, body) VALUES (?, ?)", [])
