import { describe, expect, it } from "vitest";
import { cleanScan, endsScan } from "./scan";

describe("cleanScan", () => {
  it("drops the Enter a wedge scanner sends and surrounding space", () => {
    expect(cleanScan("  88.118.8/CAL-1\r\n")).toBe("88.118.8/CAL-1");
  });
  it("drops an AIM symbology prefix", () => {
    expect(cleanScan("]Q1https://id.example.cn/88.118.8/CAL-1")).toBe("https://id.example.cn/88.118.8/CAL-1");
  });
  it("keeps hdl: and GS1 Digital Link forms as they are", () => {
    expect(cleanScan("hdl:88.118.8/X")).toBe("hdl:88.118.8/X");
    expect(cleanScan("https://id.gs1.org/01/09506000134352/21/ABC")).toBe("https://id.gs1.org/01/09506000134352/21/ABC");
  });
  it("knows which keys end a scan", () => {
    expect(endsScan("Enter")).toBe(true);
    expect(endsScan("Tab")).toBe(true);
    expect(endsScan("a")).toBe(false);
  });
});
