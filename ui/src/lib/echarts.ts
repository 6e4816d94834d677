// ECharts with only what the app draws (bar and line charts, grid, tooltip, legend, aria) and
// the SVG renderer. Loaded on demand by Chart.svelte, so the app's first screen does not wait
// for it (the main bundle stays ~150 KB; this chunk is the rest).
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, AriaComponent, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export type ChartOption = echarts.EChartsCoreOption;
export type ChartInstance = echarts.ECharts;

export function drawChart(box: HTMLElement): ChartInstance {
  return echarts.init(box, null, { renderer: "svg" });
}
