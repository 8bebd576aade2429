def ids(a, b):
    first_id = rf"{a}-{b}"
    second_id = fr'{a}-{b}'
    third_id = Rf"{a}-{b}"
    fourth_id = F"{a}-{b}"
    fifth_id = r"{a}-{b}"
    return first_id, second_id, third_id, fourth_id, fifth_id
