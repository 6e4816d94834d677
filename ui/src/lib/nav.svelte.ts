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
});

/** A message for the person and how it should look. */
export type Notice = { tone: Tone; text: string };

export function notify(tone: Tone, text: string) {
  app.notice = { tone, text };
}

export function go(s: Screen) {
  app.screen = s;
  app.notice = null;
}
