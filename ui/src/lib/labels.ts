// Labels and printing: calls into the app's label commands and the little logic the screens
// share. The types that cross IPC come from ../bindings (generated from the Rust types by ts-rs);
// only the add_printer arguments are written here.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { JobState } from "../bindings/JobState";
import type { PrintJob } from "../bindings/PrintJob";
import type { PrintProgress } from "../bindings/PrintProgress";
import type { PrinterProfile } from "../bindings/PrinterProfile";
import type { PrinterStatus } from "../bindings/PrinterStatus";
import type { QueueReport } from "../bindings/QueueReport";
import type { TemplateInfo } from "../bindings/TemplateInfo";
import type { Key } from "./i18n";
import { isUiError } from "./api";
import type { Notice } from "./nav.svelte";

export type { JobState, PrintJob, PrintProgress, PrinterProfile, PrinterStatus, QueueReport, TemplateInfo };

export function printerStateKey(state: PrinterStatus["state"]): Key {
  return ({ ready: "printerReady", error: "printerError", offline: "printerOffline" } as const)[state];
}

/** How a queue run ended, for the person: all printed, some still waiting, some failed. */
export function queueOutcome(r: QueueReport): { tone: "ok" | "warn" | "error"; printed: number; waiting: number; failed: number } {
  const [printed, waiting, failed] = [r.printed.length, r.still_queued.length, r.failed.length];
  return { tone: failed ? "error" : waiting ? "warn" : "ok", printed, waiting, failed };
}

/** Jobs that can still be sent again or called off; done ones can be reprinted. */
export function jobActions(state: JobState): { retry: boolean; cancel: boolean; reprint: boolean } {
  return {
    retry: state === "failed" || state === "queued",
    cancel: state === "queued" || state === "failed",
    reprint: state === "done",
  };
}


export interface NewPrinter {
  name: string;
  language: string;
  uri: string;
  dpi: number;
  darkness: number | null;
  offsetXMm: number | null;
  offsetYMm: number | null;
  media: string | null;
}

export const labelApi = {
  templates: () => invoke<TemplateInfo[]>("label_templates"),
  preview: (identifier: string, template: string, restriction: string | null) =>
    invoke<number[]>("label_preview", { identifier, template, restriction }),
  print: (printer: string, identifier: string, template: string, restriction: string | null) =>
    invoke<PrintJob>("print_label", { printer, identifier, template, restriction }),
  printers: () => invoke<PrinterProfile[]>("printers"),
  addPrinter: (p: NewPrinter) => invoke<PrinterProfile[]>("add_printer", { ...p }),
  removePrinter: (name: string) => invoke<PrinterProfile[]>("remove_printer", { name }),
  printerStatus: (name: string) => invoke<PrinterStatus>("printer_status", { name }),
  testPrint: (name: string) => invoke<PrinterStatus>("test_print", { name }),
  jobs: (jobState: string | null, identifier: string | null) =>
    invoke<PrintJob[]>("print_jobs", { jobState, identifier, limit: 200 }),
  jobPreview: (id: number) => invoke<number[]>("print_job_preview", { id }),
  retry: (id: number) => invoke<PrintJob>("retry_print_job", { id }),
  /** Sends what waits in the queue (the app's timer and the queue's button). */
  processQueue: () => invoke<QueueReport>("process_print_queue"),
  cancel: (id: number) => invoke<PrintJob>("cancel_print_job", { id }),
  reprint: (id: number, reason: string) => invoke<PrintJob>("reprint", { id, reason }),
  batch: (printer: string, identifiers: string[], template: string, restriction: string | null) =>
    invoke<QueueReport>("print_batch", { printer, identifiers, template, restriction }),
};

/** What a print form offers: the label templates, and the printers (the first is the default). */
export async function printChoices(): Promise<{ templates: TemplateInfo[]; printers: PrinterProfile[] }> {
  const [templates, printers] = await Promise.all([labelApi.templates(), labelApi.printers()]);
  return { templates, printers };
}

/** The 准用 (restricted) label cannot be made without the permitted ranges. */
export function needsRestriction(template: string): boolean {
  return template === "cal-restricted";
}

/** PNG bytes (as the command returns them) to an <img> source. */
export function pngDataUrl(bytes: number[] | Uint8Array): string {
  let bin = "";
  const b = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
  for (let i = 0; i < b.length; i += 0x8000) {
    bin += String.fromCharCode(...b.subarray(i, i + 0x8000));
  }
  return "data:image/png;base64," + btoa(bin);
}

/** The words for a job's state. */
export function jobStateKey(state: JobState): Key {
  return ({
    queued: "jobQueued",
    sending: "jobSending",
    done: "jobDone",
    failed: "jobFailed",
    cancelled: "jobCancelled",
  } as const)[state];
}

/** How a printer is reached, as the person typed it. */
export function printerUri(p: Pick<PrinterProfile, "transport"> & Partial<PrinterProfile>): string {
  const t = p.transport;
  if (t.kind === "tcp") return `tcp://${t.host}:${t.port}`;
  if (t.kind === "cups") return `cups://${t.server ? t.server + "/" : ""}${t.queue}`;
  return t.path;
}

/** After "register and print": the identifier label on the default printer, and what to tell
 * the person: saved and printed (ok), saved but waiting or no printer (warn), saved but the print
 * failed (error). */
export async function printIdentifierLabel(identifier: string, t: (k: Key) => string): Promise<Notice> {
  try {
    const printers = await labelApi.printers();
    if (!printers.length) return { tone: "warn", text: `${t("saved")} · ${t("noPrinter")}` };
    const job = await labelApi.print(printers[0].name, identifier, "identifier", null);
    const tone = job.state === "done" ? "ok" : job.state === "failed" ? "error" : "warn";
    const text = `${t("saved")} · ${printers[0].name}: ${t(jobStateKey(job.state))}${job.last_error ? ": " + job.last_error : ""}`;
    return { tone, text };
  } catch (e) {
    return { tone: "error", text: `${t("saved")} · ${isUiError(e) ? e.message : String(e)}` };
  }
}

export function onPrintProgress(f: (p: PrintProgress) => void): Promise<UnlistenFn> {
  return listen<PrintProgress>("print-progress", (e) => f(e.payload));
}
