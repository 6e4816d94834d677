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

/** Keystrokes closer together than this belong to one scan: a wedge scanner types a character
 * every 5–15 ms (up to 30 when the machine is busy), a person rarely six in a row this fast. */
export const SCAN_GAP_MS = 50;
/** Fewer characters are a chord or a key repeat, not a label's code. */
export const SCAN_MIN_CHARS = 6;

/**
 * Tells a wedge scanner's typing from a person's by timing: a burst of characters each within
 * `SCAN_GAP_MS` of the last, ending in Enter or Tab as fast. Fed every key of the window, it
 * says when a burst starts (so the caller can keep what the field held before it) and, at its
 * end, what the scanner typed.
 */
export class WedgeScan {
  private text = "";
  private last = -Infinity;

  /** A printable character at `at` ms; true when it starts a new burst. */
  char(ch: string, at: number): boolean {
    const starts = at - this.last > SCAN_GAP_MS;
    if (starts) this.text = "";
    this.text += ch;
    this.last = at;
    return starts;
  }

  /** Enter or Tab at `at`: the burst's text if a scanner typed it, else null. The burst ends. */
  end(at: number): string | null {
    const text = this.text;
    const fast = at - this.last <= SCAN_GAP_MS;
    this.reset();
    return fast && text.length >= SCAN_MIN_CHARS ? text : null;
  }

  /** Any other key (not Shift, which scanners press for capitals): no scan in progress. */
  reset() {
    this.text = "";
    this.last = -Infinity;
  }
}

// The forms a label's code takes: a handle (bare, hdl:, a resolver URL), a GS1 element string
// or Digital Link, and the other identifier schemes the parser knows.
const IDENTIFIER_FORMS = [
  /^(hdl:)?\d+(\.\d+)+\/\S+$/i,
  /^https?:\/\/\S+$/i,
  /^(\(01\)|01\d{14}|\(8004\)|8004)/,
  /^(urn:oid:|oid:|did:|ecode:|bid:|vaa:)\S+$/i,
];

/** True when a scanned text has the form of an identifier: a scan landing in another field
 * (a search box, a form) opens the record only then; an asset or serial number scanned into a
 * field is what the person meant to type there. */
export function looksLikeIdentifier(text: string): boolean {
  return IDENTIFIER_FORMS.some((f) => f.test(text));
}
