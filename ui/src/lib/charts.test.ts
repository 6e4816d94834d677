import { describe, expect, it } from "vitest";
import { daysOption, dueOption, OVERDUE_RED, DUE_BLUE } from "./charts";
import type { DashboardCharts } from "../bindings/DashboardCharts";

const charts: DashboardCharts = {
  due: [
    { key: "overdue", label: "已逾期", count: 3, overdue: true },
    { key: "2026-12", label: "2026年12月", count: 5, overdue: false },
    { key: "2027-01", label: "2027年1月", count: 0, overdue: false },
  ],
  days: [
    { date: "12-06", registrations: 2, resolutions: 40 },
    { date: "12-07", registrations: 0, resolutions: 12 },
  ],
  daysNote: null,
  dueTitle: "未来 12 个月到期校准",
  daysTitle: "近 30 天注册与解析",
  registrationsLabel: "注册",
  resolutionsLabel: "解析请求",
};

describe("charts", () => {
  it("draws the overdue bar first and red, the months after it blue, with their counts", () => {
    const o = dueOption(charts);
    expect(o.xAxis.data).toEqual(["已逾期", "2026年12月", "2027年1月"]);
    const bars = o.series[0].data;
    expect(bars.map((b) => b.value)).toEqual([3, 5, 0]);
    expect(bars.map((b) => b.itemStyle.color)).toEqual([OVERDUE_RED, DUE_BLUE, DUE_BLUE]);
    expect(o.aria.label.description).toBe("未来 12 个月到期校准");
  });

  it("puts registrations and resolutions on their own axes, named in the person's language", () => {
    const o = daysOption(charts);
    expect(o.legend.data).toEqual(["注册", "解析请求"]);
    expect(o.series[0].data).toEqual([2, 0]);
    expect(o.series[1].data).toEqual([40, 12]);
    expect(o.series[1].yAxisIndex).toBe(1);
    expect(o.xAxis.data).toEqual(["12-06", "12-07"]);
  });
});
