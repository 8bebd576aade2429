import dhruva


def keys(project, ts):
    cache_id = dhruva.generate()
    lock_id = f"{{lock}}:{project}"
    return cache_id, lock_id
