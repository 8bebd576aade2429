import dhruva


def ids(a, b):
    first_id = dhruva.generate()
    second_id = dhruva.generate()
    third_id = dhruva.generate()
    fourth_id = dhruva.generate()
    fifth_id = r"{a}-{b}"
    return first_id, second_id, third_id, fourth_id, fifth_id
