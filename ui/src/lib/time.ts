/**
 * A stored time (RFC 3339, UTC) as a person at this desk reads it: local time,
 * "YYYY-MM-DD HH:mm:ss". Text that is not a time is shown as it is.
 */
export function localTime(stored: string | null | undefined): string {
  if (!stored) return "—";
  const t = new Date(stored);
  if (Number.isNaN(t.getTime())) return stored;
  const two = (n: number) => String(n).padStart(2, "0");
  return (
    `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())} ` +
    `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`
  );
}
