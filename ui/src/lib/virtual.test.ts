import { describe, expect, it } from "vitest";
import { BLOCK, Latest, ROW_HEIGHT, blocksFor, visibleWindow } from "./virtual";

describe("visibleWindow", () => {
  it("renders only what is in view plus the overscan, at 100k rows", () => {
    const w = visibleWindow(100_000, 50_000 * ROW_HEIGHT, 600);
    expect(w.first).toBe(50_000 - 10);
    expect(w.last).toBe(50_000 + Math.ceil(600 / ROW_HEIGHT) + 10);
    expect(w.last - w.first).toBeLessThan(50);
    expect(w.padTop + (w.last - w.first) * ROW_HEIGHT + w.padBottom).toBe(100_000 * ROW_HEIGHT);
  });
  it("clamps at both ends", () => {
    expect(visibleWindow(5, 0, 600)).toEqual({ first: 0, last: 5, padTop: 0, padBottom: 0 });
    expect(visibleWindow(0, 100, 600).last).toBe(0);
    const end = visibleWindow(1000, 1e9, 600);
    expect(end.last).toBe(1000);
    expect(end.padBottom).toBe(0);
  });
});

describe("blocksFor", () => {
  it("names the blocks a window spans", () => {
    expect(blocksFor({ first: 0, last: 30, padTop: 0, padBottom: 0 })).toEqual([0]);
    expect(blocksFor({ first: BLOCK - 5, last: BLOCK + 5, padTop: 0, padBottom: 0 })).toEqual([0, 1]);
    expect(blocksFor({ first: 3, last: 3, padTop: 0, padBottom: 0 })).toEqual([]);
  });
});

describe("Latest", () => {
  it("only the newest request's answer counts", () => {
    const l = new Latest();
    const a = l.take();
    const b = l.take();
    expect(l.isCurrent(a)).toBe(false);
    expect(l.isCurrent(b)).toBe(true);
  });
});
