import dhruva


def from_row(row, meta):
    session_id = dhruva.generate()
    other_id = dhruva.generate()
    session_id = f"{row['project']}" + f"-{row['started']}"
    return session_id, other_id
