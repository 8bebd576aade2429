import dhruva

job = dict(
    job_id=dhruva.generate(),
    status="new",
)
