from akosha.graph import GraphEntity


def register(graph, system_id, user_id, name):
    graph.add(
        GraphEntity(
            entity_id=f"system:{system_id}",
            kind="system",
            name=name,
        )
    )
    graph.add(GraphEntity(entity_id=f"user:{user_id}", kind="user"))
    graph.add(GraphEntity(entity_id=f"team:{user_id}", kind="team"))
