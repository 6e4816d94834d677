// What a wedge scanner types arrives as keystrokes ending in Enter (sometimes Tab), possibly
// with a prefix such as "]Q1" (AIM symbology identifier) or stray whitespace. This cleans it
// before the Rust side parses it (the parser accepts handles, hdl:, URLs, GS1 Digital Link).

const AIM = /^\][A-Za-z][0-9A-Za-z]/;

export function cleanScan(raw: string): string {
  let s = raw.replace(/[\r\n\t]+/g, "").trim();
  if (AIM.test(s)) s = s.slice(3);
  // GS1 group separator (FNC1) shows up as \u001d in element strings; keep it, the parser
  // understands it; strip other control characters.
  s = s.replace(/[\u0000-\u001c\u001e\u001f\u007f]/g, "");
  return s;
}

/** True when the key ends a scan. */
export function endsScan(key: string): boolean {
  return key === "Enter" || key === "Tab";
}
