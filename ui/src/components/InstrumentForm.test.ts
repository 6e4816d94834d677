import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import InstrumentForm from "./InstrumentForm.svelte";
import { app } from "../lib/nav.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

const fields = [
  { key: "identifier", label: "标识", kind: "text", required: false, maxChars: 64, options: [], template: false },
  { key: "name", label: "名称", kind: "text", required: true, maxChars: 100, options: [], template: false },
  { key: "attr.environment", label: "使用环境", kind: "text", required: false, maxChars: 64, options: [], template: true },
];

describe("register form", () => {
  it("is built from the template and marks each field the Rust side rejects", async () => {
    const sent: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "form_fields") return fields;
      if (cmd === "register") {
        sent.push(args);
        throw {
          code: "invalid_input",
          message: "输入有误，未保存：\n  - 名称: 必填",
          fields: [{ field: "name", message: "名称: 必填" }],
        };
      }
    });
    render(InstrumentForm, { mode: "register" });
    await screen.findByText("使用环境");
    await fireEvent.input(screen.getByTestId("field-identifier"), { target: { value: "88.118.8/A-1" } });
    await fireEvent.click(screen.getByTestId("register-submit"));
    const err = await screen.findByTestId("error-name");
    expect(err.textContent).toBe("名称: 必填");
    expect(screen.getByTestId("field-name").classList.contains("invalid")).toBe(true);
    expect(screen.getByTestId("form-error").textContent).toContain("输入有误");
    expect(sent).toEqual([{ values: { identifier: "88.118.8/A-1" } }]);
  });

  it("opens the new record after registering and print, and says when no printer is set up", async () => {
    mockIPC((cmd) => {
      if (cmd === "form_fields") return fields;
      if (cmd === "register") return { identifier: "88.118.8/A-2" };
      if (cmd === "printers") return [];
    });
    render(InstrumentForm, { mode: "register", identifier: "88.118.8/A-2" });
    await screen.findByText("使用环境");
    await fireEvent.input(screen.getByTestId("field-name"), { target: { value: "卡尺" } });
    await fireEvent.click(screen.getByTestId("register-print"));
    await waitFor(() => expect(app.screen).toEqual({ name: "detail", identifier: "88.118.8/A-2" }));
    // Saved, but nothing printed: a warning, not a success, and "saved" said once.
    await waitFor(() => expect(app.notice).toEqual({ tone: "warn", text: "已保存 · 尚未设置打印机，请先在“打印”中添加打印机。" }));
  });
});
