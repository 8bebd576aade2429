def from_row(row, meta):
    session_id = f"{row['project']}-{row['started']}"
    other_id = f'{meta["kind"]}-{meta["seq"]}'
    session_id = f"{row['project']}" + f"-{row['started']}"
    return session_id, other_id
