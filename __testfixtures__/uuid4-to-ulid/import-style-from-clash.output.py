from dhruva import generate as dhruva_generate


def generate():
    return "report"


a = dhruva_generate()
