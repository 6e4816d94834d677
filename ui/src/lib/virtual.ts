// Windowing for the instrument table: only the rows in view (plus a margin) exist in the DOM,
// and rows are fetched in blocks, so 100k instruments scroll like 100.

export const ROW_HEIGHT = 32;
export const BLOCK = 200;

export interface Window {
  first: number;
  last: number; // exclusive
  padTop: number;
  padBottom: number;
}

/** The rows to render for a scroll position. */
export function visibleWindow(
  total: number,
  scrollTop: number,
  viewport: number,
  overscan = 10,
  rowHeight = ROW_HEIGHT,
): Window {
  if (total <= 0) return { first: 0, last: 0, padTop: 0, padBottom: 0 };
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(total, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  return {
    first,
    last,
    padTop: first * rowHeight,
    padBottom: (total - last) * rowHeight,
  };
}

/** The block numbers a window needs. */
export function blocksFor(w: Window, block = BLOCK): number[] {
  if (w.last <= w.first) return [];
  const out: number[] = [];
  for (let b = Math.floor(w.first / block); b <= Math.floor((w.last - 1) / block); b++) out.push(b);
  return out;
}

/**
 * Keeps only the newest answer: each request takes a ticket, and an answer is used only if
 * no later request was made meanwhile (search-as-you-type never shows a stale result).
 */
export class Latest {
  private n = 0;
  take(): number {
    return ++this.n;
  }
  isCurrent(ticket: number): boolean {
    return ticket === this.n;
  }
}
