import dhruva


def build(project, ts, region):
    session_id = dhruva.generate()
    trace_id = dhruva.generate()
    report_id = dhruva.generate()  # the reporting team greps for this
    return session_id, trace_id, report_id
