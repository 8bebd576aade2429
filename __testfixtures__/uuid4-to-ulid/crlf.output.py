import dhruva

# jobs
def new_job():
    return {"id": dhruva.generate()}
