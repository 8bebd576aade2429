def entity_ids(user_id, system_id):
    user_entity = f"""user:{user_id}"""
    system_entity = f'''system:{system_id}'''
    return user_entity, system_entity
