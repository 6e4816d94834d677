import { describe, expect, it } from "vitest";
import { cleanScan, endsScan, looksLikeIdentifier, SCAN_GAP_MS, WedgeScan } from "./scan";

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

/** Feeds `text` as keys `gap` ms apart from `start`, then Enter one gap later. */
function typed(w: WedgeScan, text: string, gap: number, start = 1000): { starts: number[]; scan: string | null } {
  const starts: number[] = [];
  let at = start;
  [...text].forEach((ch, i) => {
    if (w.char(ch, at)) starts.push(i);
    at += gap;
  });
  return { starts, scan: w.end(at) };
}

describe("WedgeScan", () => {
  it("takes characters 5 to 15 ms apart ending in Enter as a scan", () => {
    for (const gap of [5, 10, 15, 30]) {
      const w = new WedgeScan();
      expect(typed(w, "88.118.8/CAL-1", gap)).toEqual({ starts: [0], scan: "88.118.8/CAL-1" });
    }
  });
  it("does not take a person's typing as a scan", () => {
    const w = new WedgeScan();
    expect(typed(w, "88.118.8/CAL-1", 90).scan).toBeNull();
    // One slow key inside a burst splits it: what follows is a new burst, too short here.
    const v = new WedgeScan();
    let at = 0;
    for (const ch of "88.118.8/") v.char(ch, (at += 10));
    expect(v.char("C", (at += SCAN_GAP_MS + 50))).toBe(true);
    for (const ch of "AL") v.char(ch, (at += 10));
    expect(v.end((at += 10))).toBeNull();
  });
  it("needs the Enter as fast as the characters, and a few characters", () => {
    const w = new WedgeScan();
    "88.118.8/CAL-1".split("").forEach((ch, i) => w.char(ch, i * 10));
    expect(w.end(13 * 10 + 500)).toBeNull();
    expect(typed(new WedgeScan(), "abc", 5).scan).toBeNull();
  });
  it("forgets a burst another key broke", () => {
    const w = new WedgeScan();
    "88.118.8/CAL-1".split("").forEach((ch, i) => w.char(ch, i * 10));
    w.reset();
    expect(w.end(140)).toBeNull();
  });
});

describe("looksLikeIdentifier", () => {
  it("knows the forms a label's code takes", () => {
    for (const s of ["88.118.8/CAL-1", "hdl:88.118.8/X", "https://id.example.cn/88.118.8/X", "(01)09506000134352(21)A1", "0109506000134352", "ecode:10012345", "urn:oid:1.2.156.1"]) {
      expect(looksLikeIdentifier(s), s).toBe(true);
    }
  });
  it("leaves asset numbers, serial numbers and words to the field they were typed in", () => {
    for (const s of ["ZC-0001", "SN-88", "DMM6500", "万用表", "2026-12-01", "12/30"]) {
      expect(looksLikeIdentifier(s), s).toBe(false);
    }
  });
});
