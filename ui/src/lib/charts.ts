// The dashboard's charts as ECharts options, built from the workstation's DashboardCharts (the
// words arrive in the person's language). Pure, so the options are tested without a canvas.
//
// ECharts rather than uPlot: Chinese users know it; bar charts, tooltips and an accessible
// description come with it instead of being written here; only the parts used are bundled
// (core, bar, line, grid, tooltip, legend, aria, the SVG renderer), see Chart.svelte.
import type { DashboardCharts } from "../bindings/DashboardCharts";

export const OVERDUE_RED = "#cf222e";
export const DUE_BLUE = "#0969da";
export const RESOLUTIONS_GREEN = "#1a7f37";

/** Calibrations due per month, overdue first in red. */
export function dueOption(c: DashboardCharts) {
  return {
    aria: { enabled: true, label: { description: c.dueTitle } },
    animation: false,
    grid: { left: 40, right: 12, top: 16, bottom: 48 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: {
      type: "category",
      data: c.due.map((d) => d.label),
      axisLabel: { interval: 0, rotate: 45, fontSize: 11 },
    },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      {
        type: "bar",
        name: c.dueTitle,
        data: c.due.map((d) => ({
          value: d.count,
          itemStyle: { color: d.overdue ? OVERDUE_RED : DUE_BLUE },
        })),
        label: { show: true, position: "top", fontSize: 11 },
      },
    ],
  };
}

/** Registrations (bars) and resolution requests (line) per day. */
export function daysOption(c: DashboardCharts) {
  return {
    aria: { enabled: true, label: { description: c.daysTitle } },
    animation: false,
    grid: { left: 48, right: 48, top: 32, bottom: 32 },
    tooltip: { trigger: "axis" },
    legend: { data: [c.registrationsLabel, c.resolutionsLabel], top: 0 },
    xAxis: { type: "category", data: c.days.map((d) => d.date), axisLabel: { fontSize: 11 } },
    yAxis: [
      { type: "value", minInterval: 1, name: c.registrationsLabel, nameTextStyle: { align: "left" } },
      { type: "value", minInterval: 1, name: c.resolutionsLabel, nameTextStyle: { align: "right" } },
    ],
    series: [
      {
        type: "bar",
        name: c.registrationsLabel,
        data: c.days.map((d) => d.registrations),
        itemStyle: { color: DUE_BLUE },
      },
      {
        type: "line",
        name: c.resolutionsLabel,
        yAxisIndex: 1,
        data: c.days.map((d) => d.resolutions),
        itemStyle: { color: RESOLUTIONS_GREEN },
        showSymbol: false,
      },
    ],
  };
}
