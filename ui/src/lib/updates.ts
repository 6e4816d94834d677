// The app's self-update from its node (src-tauri/src/updater.rs): ask for a newer release,
// install it (the Rust side refuses while a sync runs and waits for a print), and hear about
// one found after a sync.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

export interface UpdateInfo {
  version: string;
  currentVersion: string;
  notes: string | null;
}

export const updates = {
  check: () => invoke<UpdateInfo | null>("update_check"),
  install: () => invoke<void>("update_install"),
};

export function onUpdateAvailable(f: (u: UpdateInfo) => void): Promise<UnlistenFn> {
  return listen<UpdateInfo>("update-available", (e) => f(e.payload));
}
