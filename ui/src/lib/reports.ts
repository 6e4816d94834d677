// The Reports screen's small rules, kept apart from the component so they are tested alone.
import type { SectionView } from "../bindings/SectionView";

/** The first 12 hex digits of a SHA-256: enough to tell reports apart on screen. */
export function shortHash(sha256: string): string {
  return sha256.length > 12 ? `${sha256.slice(0, 12)}…` : sha256;
}

/** The keys of sections whose text differs from what is saved (as saved: trimmed). */
export function sectionsChanged(saved: SectionView[], texts: Record<string, string | undefined>): string[] {
  return saved.filter((s) => (texts[s.key] ?? "").trim() !== s.text.trim()).map((s) => s.key);
}
