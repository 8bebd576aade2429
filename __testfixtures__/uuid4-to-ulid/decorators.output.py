import functools

import dhruva


def tagged(factory):
    def wrap(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            return fn(factory(), *args, **kwargs)

        return run

    return wrap


@tagged(lambda: dhruva.generate())
def handle(request_id, payload):
    return request_id, payload
