//! The chart of the ten indicators against the pass mark, as self-contained SVG (no fonts needed beyond digits,
//! so it renders the same in a browser, in typst and in a file viewer).

use std::fmt::Write as _;

use ita_domain::report::{IndicatorStatus, ReportModel};

use crate::RenderOptions;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 36.0;

/// The sentence under the chart, which is also its alternative text where it is an image: the wording of the
/// PDF's caption.
pub(crate) fn chart_caption(model: &ReportModel, options: RenderOptions) -> String {
    options.pick(
        &format!("คะแนนรายตัวชี้วัดเทียบกับเกณฑ์ผ่าน {} คะแนน (เส้นประ)", model.pass_mark),
        &format!("Indicator scores against the pass mark of {} (dashed line)", model.pass_mark),
    )
}

/// A bar per indicator (green when it reaches the pass mark, red when below), a dashed line at the pass mark,
/// the score above each bar and the indicator number below it.
pub fn indicator_chart_svg(model: &ReportModel, options: RenderOptions) -> String {
    let indicators: Vec<_> = model.indicators().collect();
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let slot = plot_width / indicators.len().max(1) as f64;
    let y_of = |score: f64| TOP + plot_height * (1.0 - score / 100.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{}">"##,
        options.pick("คะแนนรายตัวชี้วัดเทียบกับเกณฑ์ผ่าน", "indicator scores against the pass mark")
    );
    let _ = write!(svg, r##"<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>"##);
    for tick in [0, 25, 50, 75, 100] {
        let y = y_of(f64::from(tick));
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#dddddd" stroke-width="1"/><text x="{:.1}" y="{:.1}" font-family="sans-serif" font-size="11" text-anchor="end" fill="#555555">{}</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            options.digits(&tick.to_string())
        );
    }
    for (index, indicator) in indicators.iter().enumerate() {
        let score = indicator.score.to_f64();
        let x = LEFT + slot * index as f64 + slot * 0.2;
        let bar_width = slot * 0.6;
        let y = y_of(score);
        let colour = if indicator.status == IndicatorStatus::Below { "#c0392b" } else { "#2e7d32" };
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{bar_width:.1}" height="{:.1}" fill="{colour}"/>"##,
            TOP + plot_height - y
        );
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-family="sans-serif" font-size="11" text-anchor="middle" fill="#222222">{}</text>"##,
            x + bar_width / 2.0,
            (y - 4.0).max(10.0),
            options.number(indicator.score)
        );
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-family="sans-serif" font-size="12" text-anchor="middle" fill="#222222">{}</text>"##,
            x + bar_width / 2.0,
            HEIGHT - BOTTOM + 16.0,
            options.digits(&indicator.number.to_string())
        );
    }
    let pass_y = y_of(model.pass_mark.to_f64());
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{pass_y:.1}" x2="{:.1}" y2="{pass_y:.1}" stroke="#1f4e79" stroke-width="1.5" stroke-dasharray="6 4"/><text x="{:.1}" y="{:.1}" font-family="sans-serif" font-size="11" text-anchor="end" fill="#1f4e79">{}</text>"##,
        WIDTH - RIGHT,
        WIDTH - RIGHT,
        pass_y - 4.0,
        options.number(model.pass_mark)
    );
    svg.push_str("</svg>");
    svg
}
