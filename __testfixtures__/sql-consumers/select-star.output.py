def latest(con, project: str):
    sid, name, started = con.execute(
        "SELECT * FROM sessions WHERE project = ? ORDER BY started DESC", [project]
    ).fetchone()
    return sid


def all_sessions(con):
    for sid, name, started in con.sql("SELECT * FROM sessions").fetchall():
        print(sid, name, started)


def last_column(cur):
    cur.execute("SELECT * FROM sessions")
    row = cur.fetchone()
    return row[-1]


def first_column(cur):
    row = cur.execute("SELECT * FROM sessions LIMIT 1").fetchone()
    return row[0]


def frame(con):
    return con.sql(f"SELECT * FROM sessions WHERE project = '{'x'}'").df()


def named(con):
    return con.execute("SELECT session_id, project FROM sessions").fetchall()
