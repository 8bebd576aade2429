import { useMemo } from "react";

export const first = <T,>(xs: T[]): T | undefined => xs[0];

export function Panel({ title }: { title: string }) {
  const panelId = useMemo(() => crypto.randomUUID(), []);
  return <section aria-labelledby={panelId}><h2 id={panelId}>{title}</h2></section>;
}
