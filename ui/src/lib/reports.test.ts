import { describe, expect, it } from "vitest";
import { sectionsChanged, shortHash } from "./reports";

describe("reports", () => {
  it("shortens a hash, leaves a short text", () => {
    expect(shortHash("a".repeat(64))).toBe("aaaaaaaaaaaa…");
    expect(shortHash("abc")).toBe("abc");
  });

  it("names the sections whose text differs from the saved one, ignoring edge spaces", () => {
    const saved = [
      { key: "summary", title: "一、摘要", text: "平稳" },
      { key: "service", title: "二、服务运行情况", text: "" },
      { key: "business", title: "四、业务情况", text: "x" },
    ];
    expect(sectionsChanged(saved, { summary: "平稳 ", service: "", business: "x" })).toEqual([]);
    expect(sectionsChanged(saved, { summary: "平稳", service: "新", business: undefined })).toEqual([
      "service",
      "business",
    ]);
  });
});
