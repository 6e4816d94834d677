//! The report's three daily charts, drawn with plotters as vectors (see
//! `idstation_documents::chart`): why vectors and not a bitmap — lines and text stay sharp at
//! any print size, the Chinese axis labels use the document's subset font (and are searchable),
//! and three charts cost a few tens of kilobytes instead of megabytes at 300 dpi.

use idstation_documents::chart::{chart, font_units};
use idstation_documents::{Drawing, Language};
use plotters::prelude::*;

use crate::figures::Figures;
use crate::words::{axis_count, words};
use crate::ReportError;

const W: f32 = 168.0;
const H: f32 = 68.0;

fn e<T: std::fmt::Display>(x: T) -> String {
    x.to_string()
}

const BAR: RGBColor = RGBColor(70, 120, 190);
const BAR_LIGHT: RGBColor = RGBColor(160, 190, 225);
const LINE_A: RGBColor = RGBColor(30, 90, 180);
const LINE_B: RGBColor = RGBColor(220, 110, 30);

/// Draws a chart with days of the month along x and `series` (name, colour, value per day;
/// `None` = no figure that day) up the y axis; with `bars` the first series is drawn as bars.
fn daily(
    lang: Language,
    y_desc: &str,
    days: u32,
    series: &[(&str, RGBColor, Vec<Option<f64>>)],
    bars: bool,
) -> Result<Drawing, ReportError> {
    let max = series
        .iter()
        .flat_map(|s| s.2.iter().flatten())
        .fold(0.0f64, |a, b| a.max(*b));
    // Headroom for the legend above the data when there is one.
    let room = if series.len() > 1 { 1.4 } else { 1.15 };
    let top = if max > 0.0 { max * room } else { 1.0 };
    let w = words(lang);
    chart(W, H, |area| {
        area.fill(&WHITE).map_err(e)?;
        let mut c = ChartBuilder::on(area)
            .margin(25)
            .x_label_area_size(110)
            .y_label_area_size(150)
            .build_cartesian_2d(0.5f64..days as f64 + 0.5, 0f64..top)
            .map_err(e)?;
        c.configure_mesh()
            .disable_x_mesh()
            .x_labels(days as usize)
            .x_label_formatter(&|v| format!("{}", v.round() as i64))
            .y_labels(6)
            .y_label_formatter(&|v| axis_count(lang, *v, top))
            .x_desc(w.axis_day)
            .y_desc(y_desc)
            .label_style(("sans-serif", font_units(7.0)))
            .axis_desc_style(("sans-serif", font_units(8.0)))
            .bold_line_style(RGBColor(215, 215, 215).stroke_width(2))
            .light_line_style(TRANSPARENT)
            .axis_style(BLACK.stroke_width(3))
            .draw()
            .map_err(e)?;
        for (i, (name, colour, values)) in series.iter().enumerate() {
            let points = values
                .iter()
                .enumerate()
                .filter_map(|(d, v)| v.map(|v| ((d + 1) as f64, v)));
            if bars && i == 0 {
                c.draw_series(points.map(|(x, y)| {
                    Rectangle::new([(x - 0.35, 0.0), (x + 0.35, y)], colour.filled())
                }))
                .map_err(e)?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x + 5, y - 20), (x + 55, y + 20)], colour.filled())
                });
            } else {
                let style = colour.stroke_width(5);
                c.draw_series(LineSeries::new(points.clone(), style))
                    .map_err(e)?
                    .label(*name)
                    .legend(move |(x, y)| {
                        PathElement::new([(x + 5, y), (x + 55, y)], colour.stroke_width(5))
                    });
                c.draw_series(points.map(|p| Circle::new(p, 8, colour.filled())))
                    .map_err(e)?;
            }
        }
        if series.len() > 1 {
            c.configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .label_font(("sans-serif", font_units(7.5)))
                .legend_area_size(70)
                .background_style(WHITE)
                .border_style(RGBColor(180, 180, 180))
                .margin(15)
                .draw()
                .map_err(e)?;
        }
        Ok(())
    })
    .map_err(|err| ReportError::Document(err.to_string()))
}

/// 图1: new registrations per day of the month (bars).
pub fn registrations(f: &Figures, lang: Language) -> Result<Drawing, ReportError> {
    let w = words(lang);
    let values = f
        .days
        .iter()
        .map(|d| d.figures.as_ref().map(|x| x.registrations_new as f64))
        .collect();
    daily(
        lang,
        w.axis_registrations,
        f.days.len() as u32,
        &[(w.axis_registrations, BAR, values)],
        true,
    )
}

/// 图2: resolution requests (bars) and successes (line) per day: the two are close, so they
/// are drawn differently to both stay visible.
pub fn resolutions(f: &Figures, lang: Language) -> Result<Drawing, ReportError> {
    let w = words(lang);
    let pick = |g: fn(&crate::input::DailyFigures) -> u64| -> Vec<Option<f64>> {
        f.days
            .iter()
            .map(|d| d.figures.as_ref().map(|x| g(x) as f64))
            .collect()
    };
    daily(
        lang,
        w.axis_resolutions,
        f.days.len() as u32,
        &[
            (
                w.series_requests,
                BAR_LIGHT,
                pick(|x| x.resolution_requests),
            ),
            (w.series_successes, LINE_B, pick(|x| x.resolution_successes)),
        ],
        true,
    )
}

/// 图3: average resolution and registration response time per day.
pub fn latency(f: &Figures, lang: Language) -> Result<Drawing, ReportError> {
    let w = words(lang);
    let res = f
        .days
        .iter()
        .map(|d| {
            d.figures
                .as_ref()
                .and_then(|x| x.resolution_latency)
                .filter(|l| l.count > 0)
                .map(|l| l.avg_ms)
        })
        .collect();
    let reg = f
        .days
        .iter()
        .map(|d| {
            d.figures
                .as_ref()
                .and_then(|x| x.registration_latency)
                .filter(|l| l.count > 0)
                .map(|l| l.avg_ms)
        })
        .collect();
    daily(
        lang,
        w.axis_latency,
        f.days.len() as u32,
        &[
            (w.series_res_rtt, LINE_A, res),
            (w.series_reg_rtt, LINE_B, reg),
        ],
        false,
    )
}
