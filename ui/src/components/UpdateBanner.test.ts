import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import UpdateBanner from "./UpdateBanner.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("the update banner", () => {
  it("shows a newer release from the node and installs it on request", async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === "update_check") return { version: "0.2.0", currentVersion: "0.1.0", notes: "修复打印队列" };
      if (cmd === "update_install") return null;
    });
    render(UpdateBanner);
    const banner = await screen.findByTestId("update-banner");
    expect(banner.textContent).toContain("节点上有新版本 0.2.0");
    expect(banner.textContent).toContain("修复打印队列");
    await fireEvent.click(screen.getByTestId("update-install"));
    await waitFor(() => expect(calls).toContain("update_install"));
  });

  it("says why it cannot install now, in the words the Rust side chose", async () => {
    mockIPC((cmd) => {
      if (cmd === "update_check") return { version: "0.2.0", currentVersion: "0.1.0", notes: null };
      if (cmd === "update_install") throw { code: "busy_syncing", message: "正在同步，同步完成后再安装更新", fields: [] };
    });
    render(UpdateBanner);
    await fireEvent.click(await screen.findByTestId("update-install"));
    await waitFor(() => expect(screen.getByTestId("update-error").textContent).toBe("正在同步，同步完成后再安装更新"));
  });

  it("shows nothing without a newer release or without a node", async () => {
    let checked = 0;
    mockIPC((cmd) => {
      if (cmd === "update_check") {
        checked += 1;
        return null;
      }
    });
    render(UpdateBanner);
    await waitFor(() => expect(checked).toBe(1));
    expect(screen.queryByTestId("update-banner")).toBeNull();
  });
});
