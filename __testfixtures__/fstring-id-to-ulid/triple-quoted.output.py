import dhruva


def entity_ids(user_id, system_id):
    user_entity = dhruva.generate()
    system_entity = dhruva.generate()
    return user_entity, system_entity
