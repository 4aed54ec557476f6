//! SVG charts of a run (plotters, SVG backend only): throughput against N, the callback
//! latency distribution, and marshalling cost against offer size.

use std::path::Path;

use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;

/// One line of a chart.
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

const COLORS: [RGBColor; 6] = [
    RGBColor(0xd6, 0x5f, 0x00),
    RGBColor(0x1f, 0x5f, 0xb4),
    RGBColor(0x2a, 0x9d, 0x3c),
    RGBColor(0x8e, 0x44, 0xad),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xc0, 0x39, 0x2b),
];

fn bounds(series: &[Series], f: impl Fn(&(f64, f64)) -> f64) -> (f64, f64) {
    let values = series.iter().flat_map(|s| s.points.iter().map(&f));
    let lo = values.clone().fold(f64::INFINITY, f64::min);
    let hi = values.fold(f64::NEG_INFINITY, f64::max);
    (lo, hi)
}

/// Which axes are logarithmic.
#[derive(Clone, Copy)]
pub enum Axes {
    LogX,
    LogLog,
}

/// One chart's texts and axes.
pub struct Chart<'a> {
    pub title: &'a str,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    pub axes: Axes,
    /// The linear y axis starts at 0 (else just below the smallest value).
    pub y_from_zero: bool,
    /// A dot on every point.
    pub markers: bool,
}

impl Chart<'_> {
    /// Draws `series` as lines into an SVG file at `path`.
    pub fn draw(&self, path: &Path, series: &[Series]) -> Result<(), String> {
        line_chart(path, self, series)
    }
}

fn line_chart(path: &Path, chart: &Chart<'_>, series: &[Series]) -> Result<(), String> {
    let Chart {
        title,
        x_desc,
        y_desc,
        axes,
        y_from_zero,
        markers,
    } = *chart;
    let (x_lo, x_hi) = bounds(series, |p| p.0);
    let (y_lo, y_hi) = bounds(series, |p| p.1);
    if !(x_lo.is_finite() && x_hi.is_finite() && y_lo.is_finite() && y_hi.is_finite()) {
        return Err(format!("{}: nothing to draw", path.display()));
    }
    let root = SVGBackend::new(path, (900, 540)).into_drawing_area();
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let x_range = (x_lo * 0.8)..(x_hi * 1.25);
    macro_rules! finish {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(x_desc)
                .y_desc(y_desc)
                .x_labels(8)
                .y_labels(8)
                .light_line_style(RGBColor(0xee, 0xee, 0xee))
                .x_label_formatter(&|v| short_number(*v))
                .y_label_formatter(&|v| short_number(*v))
                .draw()
                .map_err(|e| err(&e))?;
            for (i, s) in series.iter().enumerate() {
                let color = COLORS[i % COLORS.len()];
                chart
                    .draw_series(LineSeries::new(
                        s.points.iter().copied(),
                        color.stroke_width(2),
                    ))
                    .map_err(|e| err(&e))?
                    .label(s.label.clone())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
                if markers {
                    chart
                        .draw_series(s.points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                        .map_err(|e| err(&e))?;
                }
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .position(SeriesLabelPosition::LowerRight)
                .draw()
                .map_err(|e| err(&e))?;
        }};
    }
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(80);
    match axes {
        Axes::LogX => {
            let y_range = if y_from_zero { 0.0 } else { y_lo * 0.9 }..(y_hi * 1.1);
            finish!(builder
                .build_cartesian_2d(x_range.log_scale(), y_range)
                .map_err(|e| err(&e))?);
        }
        Axes::LogLog => {
            let y_range = (y_lo * 0.7)..(y_hi * 1.4);
            finish!(builder
                .build_cartesian_2d(x_range.log_scale(), y_range.log_scale())
                .map_err(|e| err(&e))?);
        }
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// A tick label: 1.5k, 20k, 1.2M, 0.25, 3.
fn short_number(v: f64) -> String {
    let a = v.abs();
    let (x, unit) = if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let digits = if x.abs() >= 100.0 || x.fract().abs() < 1e-9 {
        0
    } else if x.abs() >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{x:.digits$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{unit}")
}

/// The empirical CDF of sorted latency samples (ns) as (µs, fraction) points, thinned to
/// at most about `max_points`, always keeping the last (the maximum).
pub fn cdf_points(sorted_ns: &[u64], max_points: usize) -> Vec<(f64, f64)> {
    let n = sorted_ns.len();
    if n == 0 {
        return Vec::new();
    }
    let step = (n / max_points.max(1)).max(1);
    let mut points: Vec<(f64, f64)> = (0..n)
        .step_by(step)
        .map(|i| {
            (
                (sorted_ns[i].max(1)) as f64 / 1e3,
                (i + 1) as f64 / n as f64,
            )
        })
        .collect();
    points.push(((sorted_ns[n - 1].max(1)) as f64 / 1e3, 1.0));
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(short_number(140000.0), "140k");
        assert_eq!(short_number(1500.0), "1.5k");
        assert_eq!(short_number(2_000_000.0), "2M");
        assert_eq!(short_number(0.25), "0.25");
        assert_eq!(short_number(3.0), "3");
    }

    #[test]
    fn cdf_ends_at_the_maximum() {
        let v: Vec<u64> = (1..=10_000).map(|i| i * 1000).collect();
        let p = cdf_points(&v, 100);
        assert!(p.len() <= 102);
        assert_eq!(*p.last().unwrap(), (10_000.0, 1.0));
        assert!(p.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
    }
}
