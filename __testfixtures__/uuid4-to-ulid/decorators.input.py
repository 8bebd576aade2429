import functools
import uuid


def tagged(factory):
    def wrap(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            return fn(factory(), *args, **kwargs)

        return run

    return wrap


@tagged(lambda: str(uuid.uuid4()))
def handle(request_id, payload):
    return request_id, payload
