def build(project, ts, region):
    session_id = (
        f"{project}-{ts}"
    )
    trace_id = f"""{project}
-{region}"""
    report_id = (
        f"{project}-{ts}"  # the reporting team greps for this
    )
    return session_id, trace_id, report_id
