import { afterEach, describe, expect, it } from "vitest";
import { localTime } from "./time";

describe("localTime", () => {
  const tz = process.env.TZ;
  afterEach(() => {
    process.env.TZ = tz;
  });

  it("shows a stored UTC time in the desk's time zone", () => {
    process.env.TZ = "Asia/Shanghai";
    expect(localTime("2026-12-01T09:57:43.178Z")).toBe("2026-12-01 17:57:43");
    // Past midnight there: the date moves too.
    expect(localTime("2026-12-31T16:30:00Z")).toBe("2027-01-01 00:30:00");
  });

  it("leaves text that is not a time alone, and shows a dash for none", () => {
    expect(localTime("yesterday")).toBe("yesterday");
    expect(localTime(null)).toBe("—");
  });
});
