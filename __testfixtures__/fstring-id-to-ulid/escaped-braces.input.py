def keys(project, ts):
    cache_id = f"{{{project}}}-{ts}"
    lock_id = f"{{lock}}:{project}"
    return cache_id, lock_id
