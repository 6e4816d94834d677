import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import PrintPanel from "./PrintPanel.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

const templates = [
  { name: "identifier", title: "标识", builtin: true, width_mm: 50, height_mm: 30 },
  { name: "cal-restricted", title: "准用", builtin: true, width_mm: 50, height_mm: 30 },
];
const zebra = { name: "zebra", language: "zpl", dpi: 203, offset_x_mm: 0, offset_y_mm: 0, transport: { kind: "tcp", host: "h", port: 9100 } };

describe("print from the instrument detail", () => {
  it("previews the label, then prints it and shows the job's state", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "label_templates") return templates;
      if (cmd === "printers") return [zebra];
      if (cmd === "label_preview") return [0x89, 0x50, 0x4e, 0x47];
      if (cmd === "print_label") return { id: 3, state: "queued", last_error: null };
    });
    render(PrintPanel, { identifier: "88.118.8/A" });
    await screen.findByText("zebra");
    await fireEvent.change(screen.getByTestId("print-template"), { target: { value: "cal-restricted" } });
    await fireEvent.input(await screen.findByTestId("print-restriction"), { target: { value: "0-10 MPa" } });
    await fireEvent.click(screen.getByTestId("print-preview"));
    const img = (await screen.findByTestId("print-preview-img")) as HTMLImageElement;
    expect(img.src).toBe("data:image/png;base64,iVBORw==");
    await fireEvent.click(screen.getByTestId("print-go"));
    const job = await screen.findByTestId("print-job");
    expect(job.dataset.state).toBe("queued");
    expect(job.textContent).toContain("已排队");
    expect(calls.find(([c]) => c === "print_label")?.[1]).toEqual({
      printer: "zebra",
      identifier: "88.118.8/A",
      template: "cal-restricted",
      restriction: "0-10 MPa",
    });
  });

  it("links to printer settings when no printer is set up, and shows errors as the Rust side words them", async () => {
    mockIPC((cmd) => {
      if (cmd === "label_templates") return templates;
      if (cmd === "printers") return [];
      if (cmd === "label_preview") throw { code: "x", message: "准用标签需要填写准用范围", fields: [] };
    });
    render(PrintPanel, { identifier: "88.118.8/A" });
    await screen.findByTestId("print-no-printer");
    expect((screen.getByTestId("print-go") as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId("print-preview"));
    await waitFor(() => expect(screen.getByTestId("print-error").textContent).toBe("准用标签需要填写准用范围"));
  });
});
