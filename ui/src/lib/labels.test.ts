import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { translator } from "./i18n";
import { jobActions, jobStateKey, labelApi, needsRestriction, queueOutcome, pngDataUrl, printIdentifierLabel, printerUri } from "./labels";

afterEach(() => clearMocks());
const t = translator("zh-CN");

describe("labels", () => {
  it("turns PNG bytes into a data URL for the preview", () => {
    expect(pngDataUrl([0x89, 0x50, 0x4e, 0x47])).toBe("data:image/png;base64,iVBORw==");
  });

  it("asks for a restriction only on the 准用 label", () => {
    expect(needsRestriction("cal-restricted")).toBe(true);
    expect(needsRestriction("cal-pass")).toBe(false);
  });

  it("sends previews and prints with camelCase arguments", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "label_preview") return [1, 2];
      if (cmd === "add_printer") return [];
    });
    await labelApi.preview("88.118.8/A", "cal-restricted", "0-10 MPa");
    await labelApi.addPrinter({ name: "z", language: "zpl", uri: "tcp://h:9100", dpi: 203, darkness: null, offsetXMm: 1, offsetYMm: null, media: "50x30" });
    expect(calls[0]).toEqual(["label_preview", { identifier: "88.118.8/A", template: "cal-restricted", restriction: "0-10 MPa" }]);
    expect(calls[1][1]).toMatchObject({ name: "z", uri: "tcp://h:9100", offsetXMm: 1, media: "50x30" });
  });

  it("register-and-print says so when no printer is set up", async () => {
    mockIPC((cmd) => (cmd === "printers" ? [] : undefined));
    // Saved, nothing printed: a warning that says "saved" once.
    expect(await printIdentifierLabel("88.118.8/A", t)).toEqual({ tone: "warn", text: `${t("saved")} · ${t("noPrinter")}` });
  });

  it("register-and-print prints the identifier label on the first printer", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "printers") return [{ name: "zebra", language: "zpl", dpi: 203, offset_x_mm: 0, offset_y_mm: 0, transport: { kind: "tcp", host: "h", port: 9100 } }];
      if (cmd === "print_label") return { id: 7, state: "queued", last_error: null };
    });
    const msg = await printIdentifierLabel("88.118.8/A", t);
    expect(calls[1]).toEqual(["print_label", { printer: "zebra", identifier: "88.118.8/A", template: "identifier", restriction: null }]);
    expect(msg.tone).toBe("warn");
    expect(msg.text).toContain(t(jobStateKey("queued")));
  });

  it("shows the workstation's own error text, not a re-worded one", async () => {
    mockIPC((cmd) => {
      if (cmd === "printers") return [{ name: "zebra", transport: { kind: "device", path: "/dev/usb/lp0" } }];
      throw { code: "not_found", message: "没有名为 zebra 的打印机", fields: [] };
    });
    const msg = await printIdentifierLabel("88.118.8/A", t);
    expect(msg.tone).toBe("error");
    expect(msg.text).toContain("没有名为 zebra 的打印机");
  });

  it("shows a printer's address as it was typed", () => {
    expect(printerUri({ name: "a", language: "zpl", dpi: 203, offset_x_mm: 0, offset_y_mm: 0, transport: { kind: "tcp", host: "10.0.0.5", port: 9100 } })).toBe("tcp://10.0.0.5:9100");
    expect(printerUri({ name: "a", language: "pdf", dpi: 300, offset_x_mm: 0, offset_y_mm: 0, transport: { kind: "cups", queue: "office" } })).toBe("cups://office");
  });
});

describe("job actions", () => {
  it("offers retry and cancel for waiting or failed jobs, reprint for printed ones", () => {
    expect(jobActions("failed")).toEqual({ retry: true, cancel: true, reprint: false });
    expect(jobActions("done")).toEqual({ retry: false, cancel: false, reprint: true });
    expect(jobActions("cancelled")).toEqual({ retry: false, cancel: false, reprint: false });
  });

  it("says a queue run that left labels waiting is a warning, one with failures an error", () => {
    expect(queueOutcome({ printed: [1, 2], still_queued: [], failed: [] })).toEqual({ tone: "ok", printed: 2, waiting: 0, failed: 0 });
    expect(queueOutcome({ printed: [1], still_queued: [2], failed: [] }).tone).toBe("warn");
    expect(queueOutcome({ printed: [], still_queued: [2], failed: [3] }).tone).toBe("error");
  });
});
