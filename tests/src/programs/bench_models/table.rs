//! The figures of `bench-models` as markdown: what was measured where, one
//! table for requests per second, one for p99, one for memory per idle
//! connection, the chapter's ratios, and a note per model.

use std::fmt::Write as _;
use std::time::Duration;

/// One load run: `connections` connections in closed loop.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub connections: usize,
    pub rps: f64,
    pub p99: Duration,
    pub errors: u64,
}

/// The memory of a server holding `held` of `idle` connections opened.
#[derive(Debug, Clone, PartialEq)]
pub struct MemPoint {
    pub idle: usize,
    pub held: usize,
    /// The growth of the server's resident memory since before the first
    /// idle connection, divided by the connections it holds.
    pub bytes_per_connection: Option<f64>,
}

/// What one model did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelResult {
    pub label: String,
    pub http: bool,
    pub points: Vec<Point>,
    pub memory: Vec<MemPoint>,
    pub note: Option<String>,
    /// Why it was not measured, or why it stopped being measured.
    pub failure: Option<String>,
}

impl ModelResult {
    /// The highest requests per second over its connection counts.
    pub fn best_rps(&self) -> Option<f64> {
        self.points.iter().map(|p| p.rps).reduce(f64::max)
    }

    /// Its memory per connection at `idle` connections, if it held them all.
    pub fn memory_at(&self, idle: usize) -> Option<f64> {
        self.memory
            .iter()
            .find(|m| m.idle == idle && m.held == idle)
            .and_then(|m| m.bytes_per_connection)
    }
}

/// One of the chapter's targets, and what this run says of it.
#[derive(Debug, Clone)]
pub struct Ratio {
    pub what: String,
    /// `Err(why)` when it could not be measured (nginx or wrk missing, a
    /// model not measured).
    pub value: Result<f64, String>,
    /// `≥ 1.0×`, `≤ 1.0×`, `0.9× to 1.1×`.
    pub target: &'static str,
    pub met: fn(f64) -> bool,
}

/// Who measured, where, how.
pub struct Facts<'a> {
    pub command: &'a str,
    pub when: &'a str,
    pub seconds: u32,
    pub threads: u32,
    pub machine: String,
    pub nginx: String,
    pub wrk: String,
    pub took: Duration,
}

/// The chapter's ratios, from the results (and the load-gen against wrk
/// comparison: `(load-gen's req/s, wrk's)`).
pub fn ratios(
    results: &[ModelResult],
    cores: usize,
    wrk: Option<&Result<(f64, f64), String>>,
) -> Vec<Ratio> {
    let find = |label: &str| results.iter().find(|r| r.label == label);
    let rps = |label: &str| -> Result<f64, String> {
        find(label).and_then(ModelResult::best_rps).ok_or_else(|| {
            match find(label).and_then(|r| r.failure.clone()) {
                Some(why) => format!("{label} not measured: {why}"),
                None => format!("{label} not measured"),
            }
        })
    };
    let over = |a: &str, b: &str| -> Result<f64, String> { Ok(rps(a)? / rps(b)?) };
    let nginx_n = format!("nginx-{cores}");
    let mut out = vec![
        Ratio {
            what: "web-server / nginx-1, req/s on the 1 KiB page (each at its best)".into(),
            value: over("web-server", "nginx-1"),
            target: "≥ 1.0×",
            met: |r| r >= 1.0,
        },
        Ratio {
            what: "c10k-server / nginx-1, req/s on the 1 KiB page (each at its best)".into(),
            value: over("c10k-server", "nginx-1"),
            target: "≥ 1.0×",
            met: |r| r >= 1.0,
        },
        Ratio {
            what: format!(
                "multi-core-server / {nginx_n}, req/s on the 1 KiB page (each at its best)"
            ),
            value: over("multi-core-server", &nginx_n),
            target: "≥ 1.0×",
            met: |r| r >= 1.0,
        },
    ];
    let memory = (|| -> Result<(usize, f64), String> {
        let c10k = find("c10k-server").ok_or("c10k-server not measured")?;
        let nginx = find("nginx-1").ok_or("nginx-1 not measured")?;
        let idle = c10k
            .memory
            .iter()
            .rev()
            .map(|m| m.idle)
            .find(|&idle| c10k.memory_at(idle).is_some() && nginx.memory_at(idle).is_some())
            .ok_or("no idle count that both held")?;
        let ours = c10k.memory_at(idle).unwrap_or_default();
        let theirs = nginx.memory_at(idle).unwrap_or_default();
        if theirs <= 0.0 {
            return Err(format!(
                "nginx's memory did not grow at {idle} idle connections"
            ));
        }
        Ok((idle, ours / theirs))
    })();
    out.push(Ratio {
        what: match &memory {
            Ok((idle, _)) => {
                format!("c10k-server / nginx-1, memory per idle connection at {idle} connections")
            }
            Err(_) => "c10k-server / nginx-1, memory per idle connection".into(),
        },
        value: memory.map(|(_, r)| r).map_err(|e| e.to_string()),
        target: "≤ 1.0×",
        met: |r| r <= 1.0,
    });
    out.push(Ratio {
        what: "load-gen / wrk, req/s against web-server, closed loop, 64 connections".into(),
        value: match wrk {
            None => Err("wrk is not installed".into()),
            Some(Err(why)) => Err(why.clone()),
            Some(Ok((ours, theirs))) if *theirs > 0.0 => Ok(ours / theirs),
            Some(Ok(_)) => Err("wrk measured 0 req/s".into()),
        },
        target: "0.9× to 1.1×",
        met: |r| (0.9..=1.1).contains(&r),
    });
    out
}

/// The whole report.
pub fn report(facts: &Facts, results: &[ModelResult], ratios: &[Ratio]) -> String {
    let mut text = super::super::bench_web::table::measured_by(facts.command, facts.when);
    let _ = write!(
        text,
        " Each model is loaded by the kit's load generator (`load-gen`), closed loop, \
         {t} thread{tp}, {s} s per connection count, on loopback: a line echo \
         ({line} bytes) for chapter 3's servers, `GET /index.html` (1 KiB, keep-alive) \
         for the web servers and nginx. Before the load, on the fresh server, idle \
         connections are opened, each answered once and left open, and the growth of the \
         server's resident memory (the PSS of all its processes) is read. The run took {took} s.\n\n",
        t = facts.threads,
        tp = if facts.threads == 1 { "" } else { "s" },
        s = facts.seconds,
        line = super::LINE.len(),
        took = facts.took.as_secs(),
    );
    let _ = writeln!(
        text,
        "The machine: {}. {}; {}; the kit's servers: the reference, release build.\n",
        facts.machine, facts.nginx, facts.wrk
    );
    text.push_str(&rps_table(results));
    text.push('\n');
    text.push_str(&p99_table(results));
    text.push('\n');
    text.push_str(&memory_table(results));
    text.push_str("\nThe chapter's targets:\n\n");
    text.push_str(&ratio_table(ratios));
    if let Some(table) = balanced_table(results) {
        text.push_str(BALANCED_INTRO);
        text.push_str(&table);
    }
    let notes: Vec<String> = results
        .iter()
        .flat_map(|r| {
            let note = r.note.as_ref().map(|n| format!("{}: {n}.", r.label));
            let failure = r
                .failure
                .as_ref()
                .map(|f| format!("{}: not measured further: {}.", r.label, one_line(f)));
            note.into_iter().chain(failure)
        })
        .collect();
    if !notes.is_empty() {
        text.push_str("\nNotes:\n\n");
        for note in notes {
            let _ = writeln!(text, "- {note}");
        }
    }
    text
}

/// What the table of [`balanced_table`] compares, said before it.
pub const BALANCED_INTRO: &str = "\nSeveral web-server instances behind nginx (chapter 5's \
    load-balance configuration, round robin, one nginx worker), against one web-server alone. \
    No target: on a machine of few cores, nginx, the instances and the load generator take \
    their CPU from the same cores, and a request through nginx costs two hops, not one.\n\n";

/// The balanced models (`web-server-xN-behind-nginx`) against `web-server`
/// alone: each one's best req/s and the ratio, and the same at 64
/// connections. `None` when none of them was measured.
pub fn balanced_table(results: &[ModelResult]) -> Option<String> {
    let alone = results.iter().find(|r| r.label == "web-server");
    let at = |r: &ModelResult, connections: usize| {
        r.points
            .iter()
            .find(|p| p.connections == connections)
            .map(|p| p.rps)
    };
    let ratio = |ours: Option<f64>, theirs: Option<f64>| match (ours, theirs) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
        _ => "–".to_string(),
    };
    let rows: Vec<Vec<String>> = results
        .iter()
        .filter(|r| r.label.starts_with("web-server-x") && r.label.ends_with("-behind-nginx"))
        .map(|r| {
            let best = r.best_rps();
            let at64 = at(r, 64);
            vec![
                r.label.clone(),
                best.map_or("–".into(), |v| format!("{v:.0}")),
                ratio(best, alone.and_then(ModelResult::best_rps)),
                at64.map_or("–".into(), |v| format!("{v:.0}")),
                ratio(at64, alone.and_then(|a| at(a, 64))),
            ]
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let header = [
        "model",
        "req/s at its best",
        "÷ web-server alone",
        "req/s at 64 connections",
        "÷ web-server alone at 64",
    ]
    .map(String::from);
    Some(markdown(&header, &rows))
}

/// The first line of `text`, without a trailing period.
fn one_line(text: &str) -> &str {
    text.lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches('.')
}

/// Every connection count any model was loaded at, rising.
fn counts(results: &[ModelResult]) -> Vec<usize> {
    let mut counts: Vec<usize> = results
        .iter()
        .flat_map(|r| r.points.iter().map(|p| p.connections))
        .collect();
    counts.sort_unstable();
    counts.dedup();
    counts
}

/// A markdown table with `header`, rows of cells, columns padded.
fn markdown(header: &[String], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            std::iter::once(&header[i])
                .chain(rows.iter().map(|r| &r[i]))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
                .max(3)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut l = String::from("|");
        for (cell, w) in cells.iter().zip(&widths) {
            let pad = w - cell.chars().count();
            let _ = write!(l, " {cell}{} |", " ".repeat(pad));
        }
        l.push('\n');
        l
    };
    let mut out = line(header);
    out.push('|');
    for w in &widths {
        let _ = write!(out, "{}|", "-".repeat(w + 2));
    }
    out.push('\n');
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

/// A table of one figure by model and connection count.
fn by_connections(results: &[ModelResult], first: &str, cell: impl Fn(&Point) -> String) -> String {
    let counts = counts(results);
    let mut header = vec![first.to_string()];
    header.extend(counts.iter().map(|c| format!("{c} conn")));
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            let mut row = vec![r.label.clone()];
            row.extend(counts.iter().map(|&c| {
                r.points
                    .iter()
                    .find(|p| p.connections == c)
                    .map_or_else(|| "–".to_string(), &cell)
            }));
            row
        })
        .collect();
    markdown(&header, &rows)
}

/// Requests per second, with the errors beside when there were any.
pub fn rps_table(results: &[ModelResult]) -> String {
    by_connections(results, "req/s", |p| {
        if p.errors == 0 {
            format!("{:.0}", p.rps)
        } else {
            format!("{:.0} ({} errors)", p.rps, p.errors)
        }
    })
}

/// p99 latency, in milliseconds.
pub fn p99_table(results: &[ModelResult]) -> String {
    by_connections(results, "p99 ms", |p| {
        format!("{:.2}", p.p99.as_secs_f64() * 1e3)
    })
}

/// Memory per idle connection, in KiB; `held/opened` when it held fewer.
pub fn memory_table(results: &[ModelResult]) -> String {
    let mut idles: Vec<usize> = results
        .iter()
        .flat_map(|r| r.memory.iter().map(|m| m.idle))
        .collect();
    idles.sort_unstable();
    idles.dedup();
    let mut header = vec!["KiB per idle connection".to_string()];
    header.extend(idles.iter().map(|i| format!("{i} idle")));
    let rows: Vec<Vec<String>> = results
        .iter()
        .filter(|r| !r.memory.is_empty())
        .map(|r| {
            let mut row = vec![r.label.clone()];
            row.extend(idles.iter().map(|&i| {
                r.memory.iter().find(|m| m.idle == i).map_or_else(
                    || "–".to_string(),
                    |m| {
                        let kib = m
                            .bytes_per_connection
                            .map_or("–".to_string(), |b| format!("{:.1}", b / 1024.0));
                        if m.held == m.idle {
                            kib
                        } else {
                            format!("{kib} ({} held)", m.held)
                        }
                    },
                )
            }));
            row
        })
        .collect();
    markdown(&header, &rows)
}

/// The ratios, each with its target and whether it is met.
pub fn ratio_table(ratios: &[Ratio]) -> String {
    let header = ["ratio", "measured", "target", "met"].map(String::from);
    let rows: Vec<Vec<String>> = ratios
        .iter()
        .map(|r| match &r.value {
            Ok(v) => vec![
                r.what.clone(),
                format!("{v:.2}×"),
                r.target.to_string(),
                if (r.met)(*v) { "yes" } else { "no" }.to_string(),
            ],
            Err(why) => vec![
                r.what.clone(),
                format!("skipped: {}", one_line(why)),
                r.target.to_string(),
                "–".to_string(),
            ],
        })
        .collect();
    markdown(&header, &rows)
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// Two models, one of each kind, as a run gives them.
    pub fn sample() -> Vec<ModelResult> {
        let point = |connections, rps, ms| Point {
            connections,
            rps,
            p99: Duration::from_micros(ms),
            errors: 0,
        };
        vec![
            ModelResult {
                label: "c10k-server".into(),
                http: true,
                points: vec![point(1, 10_000.0, 200), point(64, 40_000.0, 2_000)],
                memory: vec![
                    MemPoint {
                        idle: 100,
                        held: 100,
                        bytes_per_connection: Some(2048.0),
                    },
                    MemPoint {
                        idle: 10_000,
                        held: 10_000,
                        bytes_per_connection: Some(1024.0),
                    },
                ],
                note: None,
                failure: None,
            },
            ModelResult {
                label: "nginx-1".into(),
                http: true,
                points: vec![point(1, 8_000.0, 250), point(64, 30_000.0, 3_000)],
                memory: vec![MemPoint {
                    idle: 10_000,
                    held: 10_000,
                    bytes_per_connection: Some(2048.0),
                }],
                note: Some("nginx with 1 worker".into()),
                failure: None,
            },
            ModelResult {
                label: "mixed-server".into(),
                failure: Some("did not start: no such program".into()),
                ..ModelResult::default()
            },
        ]
    }

    #[test]
    fn the_balanced_rows_are_compared_with_one_web_server_alone() {
        let point = |connections, rps| Point {
            connections,
            rps,
            p99: Duration::from_millis(1),
            errors: 0,
        };
        let model = |label: &str, points| ModelResult {
            label: label.into(),
            http: true,
            points,
            ..ModelResult::default()
        };
        assert_eq!(balanced_table(&sample()), None, "no balanced row, no table");
        let results = vec![
            model("web-server", vec![point(1, 5_000.0), point(64, 20_000.0)]),
            model(
                "web-server-x2-behind-nginx",
                vec![point(1, 2_500.0), point(64, 15_000.0)],
            ),
        ];
        let table = balanced_table(&results).expect("a table");
        let row: Vec<&str> = table
            .lines()
            .find(|l| l.contains("x2"))
            .map(|l| {
                l.split('|')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            row,
            [
                "web-server-x2-behind-nginx",
                "15000",
                "0.75×",
                "15000",
                "0.75×"
            ],
            "each ratio divides by web-server alone:\n{table}"
        );
    }

    #[test]
    fn the_tables_have_a_row_per_model_and_a_column_per_count() {
        let results = sample();
        let rps = rps_table(&results);
        assert!(
            rps.starts_with("| req/s ") && rps.contains("| 1 conn ") && rps.contains("| 64 conn "),
            "{rps}"
        );
        assert!(rps.contains("| c10k-server  | 10000 "), "{rps}");
        assert!(
            rps.lines()
                .any(|l| l.starts_with("| mixed-server") && l.contains('–')),
            "{rps}"
        );
        let memory = memory_table(&results);
        assert!(
            memory.contains("| 1.0 "),
            "c10k at 10 000: 1 KiB each\n{memory}"
        );
        assert!(
            !memory.contains("mixed-server"),
            "no memory row when none was measured"
        );
    }

    #[test]
    fn ratios_say_what_they_compare_and_skip_plainly() {
        let ratios = ratios(&sample(), 2, None);
        let c10k = ratios
            .iter()
            .find(|r| r.what.starts_with("c10k-server / nginx-1, req/s"));
        assert_eq!(c10k.map(|r| r.value.clone()), Some(Ok(40_000.0 / 30_000.0)));
        let memory = ratios
            .iter()
            .find(|r| r.what.contains("memory"))
            .expect("memory");
        assert_eq!(memory.value, Ok(0.5), "1 KiB against 2 KiB at 10 000");
        assert!(memory.what.contains("10000"), "{}", memory.what);
        let table = ratio_table(&ratios);
        assert!(table.contains("skipped: wrk is not installed"), "{table}");
        assert!(
            table.contains("skipped: web-server not measured"),
            "{table}"
        );
        assert!(table.contains("| 1.33× "), "{table}");
    }
}
