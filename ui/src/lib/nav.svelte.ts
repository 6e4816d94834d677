// The app's screen and the shared state the header and screens read.
import type { ListQuery } from "../bindings/ListQuery";
import type { InstrumentView } from "../bindings/InstrumentView";
import type { SyncView } from "../bindings/SyncView";
import type { Tone } from "../bindings/Tone";
import type { Lang } from "./i18n";

export type Screen =
  | { name: "dashboard" }
  | { name: "instruments"; query: ListQuery }
  | { name: "detail"; identifier: string; nodeView?: InstrumentView }
  | { name: "register"; identifier?: string }
  | { name: "edit"; identifier: string }
  | { name: "sync" }
  | { name: "printing" }
  | { name: "hotfolders" }
  | { name: "docking" }
  | { name: "reports" }
  | { name: "settings" };

export function emptyQuery(): ListQuery {
  return { text: "", status: null, category: null, owner: null, due: null, offset: 0, limit: 0 };
}

export const app = $state({
  screen: { name: "dashboard" } as Screen,
  lang: "zh-CN" as Lang,
  sync: null as SyncView | null,
  syncProgress: "" as string,
  /** What the last action came to, shown above the screen until the person moves on. */
  notice: null as Notice | null,
  /** Where the person asked to go while a form held unsaved edits: the app asks first. */
  pendingLeave: null as { screen: Screen; notice?: Notice } | null,
});

/** A message for the person and how it should look. */
export type Notice = { tone: Tone; text: string };

export function notify(tone: Tone, text: string) {
  app.notice = { tone, text };
}

// The screen with unsaved edits, if any, says so through this; moving away asks first.
let unsavedEdits: (() => boolean) | null = null;
// The screen before this one, for Esc on a form and "back".
let previous: Screen | null = null;

/** A screen with a form calls this on mount; the returned function, on destroy. */
export function guardUnsavedEdits(hasEdits: () => boolean): () => void {
  unsavedEdits = hasEdits;
  return () => {
    if (unsavedEdits === hasEdits) unsavedEdits = null;
  };
}

/** Opens screen `s` (with a notice to show there), unless a form holds unsaved edits: then the
 * app asks first (see `leaveAnyway`) and nothing moves. */
export function go(s: Screen, notice?: Notice) {
  if (unsavedEdits?.()) {
    app.pendingLeave = { screen: s, notice };
    return;
  }
  previous = app.screen;
  app.screen = s;
  app.notice = notice ?? null;
}

/** The person chose to drop their edits: go where they asked. */
export function leaveAnyway() {
  const to = app.pendingLeave;
  app.pendingLeave = null;
  if (!to) return;
  unsavedEdits = null;
  go(to.screen, to.notice);
}

/** Back to the screen before (the dashboard when there was none), asking first as `go` does. */
export function back() {
  go(previous && previous !== app.screen ? previous : { name: "dashboard" });
}
