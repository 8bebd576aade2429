import { useMemo } from "react";
import { ulid } from "ulid";

export const first = <T,>(xs: T[]): T | undefined => xs[0];

export function Panel({ title }: { title: string }) {
  const panelId = useMemo(() => ulid(), []);
  return <section aria-labelledby={panelId}><h2 id={panelId}>{title}</h2></section>;
}
