//! The SVG charts of `bench-models` (plotters): requests per second and p99
//! against connections, memory per connection against idle connections.
//! Both axes are logarithmic: the connections rise by factors, and the
//! models differ by factors.

use super::table::ModelResult;
use plotters::prelude::*;

/// One line of a chart: a model's label and its points.
type Series = (String, Vec<(f64, f64)>);

/// `(file name, SVG)` for each of the three charts.
pub fn all(results: &[ModelResult]) -> anyhow::Result<Vec<(&'static str, String)>> {
    let rps: Vec<Series> = results
        .iter()
        .map(|r| {
            let points = r.points.iter().map(|p| (p.connections as f64, p.rps));
            (r.label.clone(), points.collect())
        })
        .collect();
    let p99: Vec<Series> = results
        .iter()
        .map(|r| {
            let points = r
                .points
                .iter()
                .map(|p| (p.connections as f64, p.p99.as_secs_f64() * 1e3));
            (r.label.clone(), points.collect())
        })
        .collect();
    let memory: Vec<Series> = results
        .iter()
        .map(|r| {
            let points = r
                .memory
                .iter()
                .filter_map(|m| Some((m.held as f64, m.bytes_per_connection? / 1024.0)));
            (r.label.clone(), points.collect())
        })
        .collect();
    Ok(vec![
        (
            "rps.svg",
            chart(
                "Requests per second against connections",
                "connections (closed loop)",
                "requests per second",
                &rps,
            )?,
        ),
        (
            "p99.svg",
            chart(
                "p99 latency against connections",
                "connections (closed loop)",
                "p99 latency (ms)",
                &p99,
            )?,
        ),
        (
            "memory.svg",
            chart(
                "Resident memory per idle connection",
                "idle connections held",
                "KiB per connection",
                &memory,
            )?,
        ),
    ])
}

/// A log-log line chart of `series` (those with points; a value ≤ 0 cannot
/// be drawn on a log axis and is left out), with a legend.
pub fn chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> anyhow::Result<String> {
    let series: Vec<(&String, Vec<(f64, f64)>)> = series
        .iter()
        .map(|(label, points)| {
            let points = points.iter().copied().filter(|&(x, y)| x > 0.0 && y > 0.0);
            (label, points.collect::<Vec<_>>())
        })
        .filter(|(_, points)| !points.is_empty())
        .collect();
    let all = || series.iter().flat_map(|(_, p)| p.iter().copied());
    let bounds = |values: Vec<f64>| {
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if lo.is_finite() && hi.is_finite() {
            (lo / 1.5, hi * 1.5)
        } else {
            (1.0, 10.0) // nothing measured: an empty chart
        }
    };
    let (x0, x1) = bounds(all().map(|(x, _)| x).collect());
    let (y0, y1) = bounds(all().map(|(_, y)| y).collect());
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(draw)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
            .map_err(draw)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| compact(*y))
            .draw()
            .map_err(draw)?;
        for (i, (label, points)) in series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(draw)?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(draw)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(draw)?;
        root.present().map_err(draw)?;
    }
    Ok(svg)
}

/// `1500`, `25k`, `0.12`: a tick's label, short.
fn compact(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn draw<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> anyhow::Error {
    anyhow::anyhow!("drawing a chart: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_chart_is_an_svg_with_a_line_per_measured_model() {
        let charts = all(&super::super::table::tests::sample()).expect("the charts draw");
        let names: Vec<&str> = charts.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["rps.svg", "p99.svg", "memory.svg"]);
        for (name, svg) in &charts {
            assert!(
                svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
                "{name}"
            );
            assert!(
                svg.contains("c10k-server") && svg.contains("nginx-1"),
                "{name}: the legend"
            );
            assert!(
                !svg.contains("mixed-server"),
                "{name}: a model not measured has no line"
            );
            assert!(svg.contains("<polyline"), "{name}: its lines");
        }
    }

    #[test]
    fn nothing_measured_still_draws_an_empty_chart() {
        let svg = chart("t", "x", "y", &[("a".to_string(), vec![])]).expect("draws");
        assert!(svg.starts_with("<svg"), "{svg}");
    }
}
