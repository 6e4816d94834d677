import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import HotFolders from "./HotFolders.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

const empty = { folders: [], running: false, startError: null, activity: [], counts: { filesImported: 0, rowsImported: 0, filesRefused: 0, labelsPrinted: 0 } };
const form = { update: false, poll: false, labelTemplate: null, printer: null, mapping: {} };
const zebra = { name: "zebra", language: "zpl", dpi: 203, offset_x_mm: 0, offset_y_mm: 0, media_width_mm: 50, media_height_mm: 30, transport: { kind: "tcp", host: "10.0.0.5", port: 9100 } };
const identifier = { name: "identifier", title: "标识标签", builtin: true, width_mm: 50, height_mm: 30 };

describe("hot folders screen", () => {
  it("adds the folder chosen in the dialog with labels on the first printer", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "label_templates") return [identifier];
      if (cmd === "printers") return [zebra];
      if (cmd === "form_fields") return [];
      if (cmd === "hot_folders") return empty;
      if (cmd === "choose_path") return "/srv/lims";
      if (cmd === "add_hot_folder")
        return { ...empty, running: true, folders: [{ path: "/srv/lims", form: (args as { form: unknown }).form, summary: "登记新仪器，文件事件" }] };
    });
    render(HotFolders);
    await screen.findByTestId("hot-none");
    await fireEvent.click(screen.getByTestId("hot-add"));
    await screen.findByTestId("hot-form");
    expect(screen.getByTestId("hot-form-path").textContent).toContain("/srv/lims");
    await fireEvent.change(screen.getByTestId("hot-template"), { target: { value: "identifier" } });
    await fireEvent.submit(screen.getByTestId("hot-form"));
    await waitFor(() => expect(screen.getByTestId("hot-state").dataset.running).toBe("true"));
    expect(calls).toContainEqual(["choose_path", { purpose: "hot_folder" }]);
    expect(calls).toContainEqual(["add_hot_folder", { folder: "/srv/lims", form: { ...form, labelTemplate: "identifier", printer: "zebra" } }]);
    await waitFor(() => expect(screen.queryByTestId("hot-form")).toBeNull());
  });

  it("keeps the form and shows the refusal when the settings cannot work", async () => {
    mockIPC((cmd) => {
      if (cmd === "label_templates") return [identifier];
      if (cmd === "printers") return [zebra];
      if (cmd === "form_fields") return [];
      if (cmd === "hot_folders") return empty;
      if (cmd === "choose_path") return "/home/lab/.local/share/idstation";
      if (cmd === "add_hot_folder") throw { code: "hot_folder_settings", message: "包含工作站自身的数据文件夹", fields: [] };
    });
    render(HotFolders);
    await fireEvent.click(await screen.findByTestId("hot-add"));
    await fireEvent.submit(await screen.findByTestId("hot-form"));
    await waitFor(() => expect(screen.getByTestId("hot-error").textContent).toContain("数据文件夹"));
    expect(screen.getByTestId("hot-form")).toBeTruthy();
  });

  it("maps an unknown column of a sample file and reads it again with the mapping", async () => {
    const previews: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "label_templates") return [];
      if (cmd === "printers") return [];
      if (cmd === "form_fields") return [{ key: "serial_no", label: "出厂编号" }, { key: "name", label: "名称" }];
      if (cmd === "hot_folders") return empty;
      if (cmd === "choose_path") return (args as { purpose: string }).purpose === "hot_folder" ? "/srv/lims" : "/srv/sample.csv";
      if (cmd === "preview_hot_file") {
        // As sent: the app serialises the arguments at the call.
        previews.push(JSON.parse(JSON.stringify(args)));
        const mapped = (args as { form: { mapping: Record<string, string> } }).form.mapping["S/N"] === "serial_no";
        return {
          file: "sample.csv",
          columns: [
            { heading: "名称", field: "name", fieldLabel: "名称" },
            { heading: "S/N", field: mapped ? "serial_no" : null, fieldLabel: mapped ? "出厂编号" : null },
          ],
          rows: [["压力表", "A1"]],
          totalRows: 12,
          problems: mapped ? [] : ["第 1 行“S/N”列：未知列"],
        };
      }
    });
    render(HotFolders);
    await fireEvent.click(await screen.findByTestId("hot-add"));
    await fireEvent.click(await screen.findByTestId("hot-sample"));
    await screen.findByTestId("hot-sample-problems");
    const select = screen.getAllByTestId("hot-map")[1] as HTMLSelectElement;
    expect(select.classList.contains("invalid")).toBe(true);
    await fireEvent.change(select, { target: { value: "serial_no" } });
    await waitFor(() => expect(screen.queryByTestId("hot-sample-problems")).toBeNull());
    expect(previews).toEqual([
      { file: "/srv/sample.csv", form },
      { file: null, form: { ...form, mapping: { "S/N": "serial_no" } } },
    ]);
  });

  it("shows a warning as a warning and a refused file as an error", async () => {
    mockIPC((cmd) => {
      if (cmd === "label_templates") return [];
      if (cmd === "printers") return [];
      if (cmd === "form_fields") return [];
      if (cmd === "hot_folders")
        return {
          ...empty,
          running: true,
          folders: [{ path: "/srv/lims", form, summary: "登记新仪器" }],
          counts: { filesImported: 1, rowsImported: 2, filesRefused: 1, labelsPrinted: 0 },
          activity: [
            { at: "10:00:02", tone: "warn", text: "a.csv：已在 zebra 打印 0 张标签，2 张等待打印机，0 张失败" },
            { at: "10:00:01", tone: "error", text: "b.csv：已拒绝" },
            { at: "10:00:00", tone: "ok", text: "a.csv：已导入 2 行" },
          ],
        };
    });
    render(HotFolders);
    const list = await screen.findByTestId("hot-activity");
    const tones = [...list.querySelectorAll("li")].map((li) => li.dataset.tone);
    expect(tones).toEqual(["warn", "error", "ok"]);
    expect(screen.getByTestId("hot-counts").textContent).toContain("导入 1 个文件（2 行），拒绝 1 个文件");
  });
});
