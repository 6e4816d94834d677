import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import Printing from "./Printing.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

const zebra = { name: "zebra", language: "zpl", dpi: 203, offset_x_mm: 0, offset_y_mm: 0, media_width_mm: 50, media_height_mm: 30, transport: { kind: "tcp", host: "10.0.0.5", port: 9100 } };
const job = { id: 4, batch_id: null, printer: "zebra", identifier: "88.118.8/A", template: "cal-pass", format: "zpl", copies: 1, state: "done", attempts: 1, last_error: null, created_at: "2026-12-01T08:00:00", done_at: null };

describe("printing screen", () => {
  it("adds a printer and lists it with its address", async () => {
    let added: unknown = null;
    mockIPC((cmd, args) => {
      if (cmd === "printers") return [];
      if (cmd === "print_jobs") return [];
      if (cmd === "add_printer") {
        added = args;
        return [zebra];
      }
    });
    render(Printing);
    await screen.findByTestId("no-printers");
    await fireEvent.input(screen.getByTestId("printer-name"), { target: { value: "zebra" } });
    await fireEvent.input(screen.getByTestId("printer-uri"), { target: { value: "tcp://10.0.0.5:9100" } });
    await fireEvent.input(screen.getByTestId("printer-media"), { target: { value: "50x30" } });
    await fireEvent.submit(screen.getByTestId("printer-form"));
    await waitFor(() => expect(screen.getByTestId("printers").textContent).toContain("tcp://10.0.0.5:9100"));
    expect(added).toMatchObject({ name: "zebra", language: "zpl", uri: "tcp://10.0.0.5:9100", dpi: 203, media: "50x30", darkness: null });
  });

  it("reprints a done job with the reason and shows the workstation's refusal as is", async () => {
    const sent: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "printers") return [zebra];
      if (cmd === "print_jobs") return [job];
      if (cmd === "reprint") {
        sent.push(args);
        throw { code: "invalid_input", message: "补打需要填写原因", fields: [] };
      }
    });
    render(Printing);
    await fireEvent.click(await screen.findByTestId("job-reprint"));
    await waitFor(() => expect(screen.getByTestId("printing-error").textContent).toBe("补打需要填写原因"));
    expect(sent).toEqual([{ id: 4, reason: "" }]);
    expect(screen.queryByTestId("job-retry")).toBeNull();
  });
});
