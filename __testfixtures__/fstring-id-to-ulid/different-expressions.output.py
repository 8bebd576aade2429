import dhruva


def link(graph, user_id, name):
    graph.add(GraphEntity(entity_id=dhruva.generate()))
    label = f"user:{name}"
    return label
