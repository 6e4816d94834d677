// What a docking form sends: only the table's own inputs (a record read from the node also
// carries fields the node sets itself, which a write may not give), trimmed, blanks left out
// (the node keeps what the record had). An attachment field holds the SHA-256 of a file
// uploaded to the node.
import type { DockingTable } from "../bindings/DockingTable";

export function formValues(table: DockingTable, values: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of table.fields) {
    const v = (values[f.name] ?? "").trim();
    if (v !== "") out[f.name] = v;
  }
  return out;
}

/** The fields every write must give that the form leaves empty (the node says the rest). */
export function missingRequired(table: DockingTable, sent: Record<string, string>, isNew: boolean): string[] {
  return table.fields
    .filter((f) => f.required === "always" || (isNew && f.key))
    .filter((f) => !(f.name in sent))
    .map((f) => f.name);
}

/** Whose record an upload belongs to: the enterprise's prefix for an enterprise's table. */
export function ownerPrefix(table: DockingTable, values: Record<string, string | undefined>): string | null {
  if (table.scope !== "enterprise") return null;
  return (values.enterprisePrefix ?? values.prefix ?? "").trim() || null;
}
