import { useState } from "react";
import { ulid } from "ulid";

export function TodoList() {
  const [items, setItems] = useState([]);
  const add = (text) => setItems([...items, { key: ulid(), text }]);
  return <ul onClick={() => add("new")}>{items.map((i) => <li key={i.key}>{i.text}</li>)}</ul>;
}
