// Form helpers: what a register or edit form sends, and where each error shows.
import type { UiError } from "../bindings/UiError";

/**
 * The values to send. For a register form: every filled field. For an edit form (with the
 * record's `original` values): the fields whose text changed, a cleared field as "".
 */
export function formValues(
  values: Record<string, string | undefined>,
  original?: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, raw] of Object.entries(values)) {
    const v = (raw ?? "").trim();
    if (original) {
      if (v !== (original[k] ?? "").trim()) out[k] = v;
    } else if (v !== "") out[k] = v;
  }
  if (original) {
    for (const k of Object.keys(original)) if (!(k in values)) out[k] = "";
  }
  return out;
}

/** Field key -> message, for marking each input. */
export function fieldErrors(e: UiError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of e.fields) out[f.field] = out[f.field] ? `${out[f.field]}；${f.message}` : f.message;
  return out;
}
