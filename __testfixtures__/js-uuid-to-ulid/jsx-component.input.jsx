import { useState } from "react";
import { v4 as uuidv4 } from "uuid";

export function TodoList() {
  const [items, setItems] = useState([]);
  const add = (text) => setItems([...items, { key: uuidv4(), text }]);
  return <ul onClick={() => add("new")}>{items.map((i) => <li key={i.key}>{i.text}</li>)}</ul>;
}
