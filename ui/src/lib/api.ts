// Typed calls into the app's Rust commands. The types come from ../bindings (generated from
// the Rust types by ts-rs); nothing here re-states them.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AppInfo } from "../bindings/AppInfo";
import type { ConflictView } from "../bindings/ConflictView";
import type { Dashboard } from "../bindings/Dashboard";
import type { DockingRecord } from "../bindings/DockingRecord";
import type { DockingTable } from "../bindings/DockingTable";
import type { MaintenanceView } from "../bindings/MaintenanceView";
import type { OperatorView } from "../bindings/OperatorView";
import type { UplinkView } from "../bindings/UplinkView";
import type { FormField } from "../bindings/FormField";
import type { ActivityLine } from "../bindings/ActivityLine";
import type { FilePreview } from "../bindings/FilePreview";
import type { HotFolderForm } from "../bindings/HotFolderForm";
import type { HotFoldersView } from "../bindings/HotFoldersView";
import type { InstrumentPage } from "../bindings/InstrumentPage";
import type { InstrumentView } from "../bindings/InstrumentView";
import type { ListFilters } from "../bindings/ListFilters";
import type { ListQuery } from "../bindings/ListQuery";
import type { ScanOutcome } from "../bindings/ScanOutcome";
import type { SyncOutcome } from "../bindings/SyncOutcome";
import type { SyncProgressView } from "../bindings/SyncProgressView";
import type { SyncView } from "../bindings/SyncView";
import type { UiError } from "../bindings/UiError";
import type { ReportView } from "../bindings/ReportView";
import type { IssuedView } from "../bindings/IssuedView";
import type { DashboardCharts } from "../bindings/DashboardCharts";

export type {
  ActivityLine,
  FilePreview,
  HotFolderForm,
  HotFoldersView,
  AppInfo,
  ConflictView,
  Dashboard,
  DockingRecord,
  DockingTable,
  FormField,
  MaintenanceView,
  OperatorView,
  UplinkView,
  InstrumentPage,
  InstrumentView,
  ListFilters,
  ListQuery,
  ScanOutcome,
  SyncOutcome,
  SyncProgressView,
  SyncView,
  UiError,
  ReportView,
  IssuedView,
  DashboardCharts,
};

/** Every command fails with a UiError (message already in the person's language). */
export function isUiError(e: unknown): e is UiError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

export function errorText(e: unknown): string {
  return isUiError(e) ? e.message : String(e);
}

export const api = {
  appInfo: () => invoke<AppInfo>("app_info"),
  setLang: (lang: string) => invoke<void>("set_lang", { lang }),
  dashboard: () => invoke<Dashboard>("dashboard"),
  dashboardCharts: () => invoke<DashboardCharts>("dashboard_charts"),
  list: (query: ListQuery) => invoke<InstrumentPage>("list_instruments", { query }),
  listFilters: () => invoke<ListFilters>("list_filters"),
  instrument: (identifier: string) => invoke<InstrumentView>("instrument", { identifier }),
  formFields: () => invoke<FormField[]>("form_fields"),
  register: (values: Record<string, string>) => invoke<InstrumentView>("register", { values }),
  edit: (identifier: string, values: Record<string, string>, expectedVersion: number | null) =>
    invoke<InstrumentView>("edit", { identifier, values, expectedVersion }),
  remove: (identifier: string, reason: string) => invoke<void>("delete", { identifier, reason }),
  checkIdentifier: (text: string) => invoke<string | null>("check_identifier", { text }),
  resolveScan: (text: string) => invoke<ScanOutcome>("resolve_scan", { text }),
  syncStatus: () => invoke<SyncView>("sync_status"),
  syncNow: () => invoke<boolean>("sync_now"),
  syncLogin: (nodeUrl: string, username: string, password: string, deviceName: string) =>
    invoke<SyncView>("sync_login", { nodeUrl, username, password, deviceName }),
  conflicts: () => invoke<ConflictView[]>("conflicts"),
  resolveConflict: (id: number, take: "local" | "server" | null, value: string | null) =>
    invoke<ConflictView[]>("resolve_conflict", { id, take, value }),
  /** The system's file dialog; the path comes back only if the person chose one. */
  choosePath: (
    purpose: "backup" | "restore" | "data_dir" | "hot_folder" | "hot_sample" | "attachment" | "report_folder",
  ) =>
    invoke<string | null>("choose_path", { purpose }),
  backup: (file: string) => invoke<string>("backup", { file }),
  restore: (file: string) => invoke<string>("restore", { file }),
  setDataDir: (dir: string) => invoke<AppInfo>("set_data_dir", { dir }),
  hotFolders: () => invoke<HotFoldersView>("hot_folders"),
  /** `folder` as the file dialog returned it (choosePath("hot_folder")). */
  addHotFolder: (folder: string, form: HotFolderForm) =>
    invoke<HotFoldersView>("add_hot_folder", { folder, form }),
  updateHotFolder: (folder: string, form: HotFolderForm) =>
    invoke<HotFoldersView>("update_hot_folder", { folder, form }),
  removeHotFolder: (folder: string) => invoke<HotFoldersView>("remove_hot_folder", { folder }),
  startHotFolders: () => invoke<HotFoldersView>("start_hot_folders"),
  stopHotFolders: () => invoke<HotFoldersView>("stop_hot_folders"),
  /** `file` from choosePath("hot_sample") the first time, then null to read it again. */
  previewHotFile: (file: string | null, form: HotFolderForm) =>
    invoke<FilePreview>("preview_hot_file", { file, form }),
  /** The docking desk: the operator signs in as themself (the password is not kept). */
  dockingSignIn: (username: string, password: string) =>
    invoke<OperatorView>("docking_sign_in", { username, password }),
  dockingSignOut: () => invoke<void>("docking_sign_out"),
  dockingSession: () => invoke<OperatorView | null>("docking_session"),
  dockingTables: () => invoke<DockingTable[]>("docking_tables"),
  dockingRecords: (item: string) => invoke<DockingRecord[]>("docking_records", { item }),
  dockingSave: (item: string, values: Record<string, string>, revision: number | null) =>
    invoke<DockingRecord>("docking_save", { item, values, revision }),
  dockingVerify: (key: string, passed: boolean, opinion: string) =>
    invoke<DockingRecord>("docking_verify", { key, passed, opinion }),
  /** `file` as the file dialog returned it (choosePath("attachment")); its SHA-256 back. */
  dockingUpload: (file: string, enterprisePrefix: string | null) =>
    invoke<string>("docking_upload", { file, enterprisePrefix }),
  maintenanceView: () => invoke<MaintenanceView>("maintenance_view"),
  maintenanceStart: (description: string) => invoke<MaintenanceView>("maintenance_start", { description }),
  maintenanceEnd: () => invoke<MaintenanceView>("maintenance_end"),
  uplinkView: (filter: string | null) => invoke<UplinkView>("uplink_view", { filter }),
  /** One report by key, or (null) every failed and filed one; how many became pending. */
  uplinkResend: (key: string | null) => invoke<number>("uplink_resend", { key }),
  /** The monthly report of `month` (YYYY-MM; null: last month). */
  reportView: (month: string | null) => invoke<ReportView>("report_view", { month }),
  reportRefresh: (month: string) => invoke<ReportView>("report_refresh", { month }),
  reportSetSection: (month: string, key: string, text: string) =>
    invoke<ReportView>("report_set_section", { month, key, text }),
  reportSetLanguage: (month: string, language: string) =>
    invoke<ReportView>("report_set_language", { month, language }),
  reportIssue: (month: string) => invoke<ReportView>("report_issue", { month }),
  /** `dir` as the file dialog returned it (choosePath("report_folder")); a message back. */
  reportSaveDraft: (month: string, dir: string) => invoke<string>("report_save_draft", { month, dir }),
  reportExport: (number: string, dir: string) => invoke<string>("report_export", { number, dir }),
};

export function onHotFolderActivity(f: (line: ActivityLine) => void): Promise<UnlistenFn> {
  return listen<ActivityLine>("hot-folder-activity", (e) => f(e.payload));
}

export function onSyncProgress(f: (p: SyncProgressView) => void): Promise<UnlistenFn> {
  return listen<SyncProgressView>("sync-progress", (e) => f(e.payload));
}

export function onSyncFinished(f: (o: SyncOutcome) => void): Promise<UnlistenFn> {
  return listen<SyncOutcome>("sync-finished", (e) => f(e.payload));
}
