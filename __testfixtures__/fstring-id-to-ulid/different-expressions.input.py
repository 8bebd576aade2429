def link(graph, user_id, name):
    graph.add(GraphEntity(entity_id=f"user:{user_id}"))
    label = f"user:{name}"
    return label
