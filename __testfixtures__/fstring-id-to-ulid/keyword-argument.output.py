import dhruva
from akosha.graph import GraphEntity


def register(graph, system_id, user_id, name):
    graph.add(
        GraphEntity(
            entity_id=dhruva.generate(),
            kind="system",
            name=name,
        )
    )
    graph.add(GraphEntity(entity_id=dhruva.generate(), kind="user"))
    graph.add(GraphEntity(entity_id=f"team:{user_id}", kind="team"))
