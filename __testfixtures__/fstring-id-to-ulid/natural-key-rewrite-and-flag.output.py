import dhruva


class Graph:
    def __init__(self):
        self.entities = {}

    def add_user(self, user_id, name):
        entity = GraphEntity(entity_id=dhruva.generate(), name=name)
        self.entities[entity.entity_id] = entity

    def has_user(self, uid):
        return f"user:{uid}" in self.entities
