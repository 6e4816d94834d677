import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api, errorText, isUiError } from "./api";

afterEach(() => clearMocks());

describe("api", () => {
  it("sends commands with camelCase arguments as Tauri expects", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "edit") return { identifier: "88.118.8/A" };
    });
    await api.edit("88.118.8/A", { name: "卡尺" }, 3);
    expect(calls).toEqual([["edit", { identifier: "88.118.8/A", values: { name: "卡尺" }, expectedVersion: 3 }]]);
  });

  it("passes the Rust side's UiError through untouched", async () => {
    const err = { code: "invalid_identifier", message: "标识缺少后缀", fields: [] };
    mockIPC(() => {
      throw err;
    });
    const e = await api.resolveScan("88.118.8/").catch((x) => x);
    expect(isUiError(e)).toBe(true);
    expect(errorText(e)).toBe("标识缺少后缀");
  });
});
