import dhruva


class Graph:
    def __init__(self):
        self.entities = {}

    def add_user(self, user_id, name):
        self.entities[f"user:{user_id}"] = GraphEntity(entity_id=f"user:{user_id}", name=name)

    def add_system(self, system_id):
        self.entities[system_id] = GraphEntity(entity_id=dhruva.generate())
