def start(con):
    con.execute("INSERT INTO sessions VALUES (?, ?, ?)", [1, 2, 3])
