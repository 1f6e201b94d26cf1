//! `bench-failover`: what nginx's retries give while a backend dies, measured.
//!
//! Two instances of `web-server` behind nginx (chapter 5's balancer
//! configuration, [`super::bench_models::balanced_with`]) are loaded by
//! `--connections` keep-alive clients for `--seconds`; at a third of the
//! run one instance is killed (SIGKILL), at two thirds the supervisor
//! restarts it (`Instances::watch`). Every answer is counted in 100 ms
//! buckets: 200s and everything else (a 502, a reset, a timeout). The run
//! is made twice, in turn: with the exercise's `proxy_next_upstream error
//! timeout http_502 http_503 http_504`, and with `proxy_next_upstream off`,
//! to show what the retries hide. `--out-dir` writes `failover.md` (the
//! table) and `failover.svg` (requests and errors a second over time), which
//! the page of the exercise includes. `cargo xtask bench failover` builds
//! this in release with the reference and runs it.
//!
//! Bounded: each run lasts `--seconds`; every read has a timeout; the
//! instances and nginx are stopped when dropped.

use super::bench_models::balanced_with;
use super::bench_web;
use crate::harness::Tool;
use anyhow::Context;
use plotters::prelude::*;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// `bench-failover [--seconds S] [--connections C] [--out-dir DIR]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How long each run lasts, in seconds (the kill at a third, the
    /// restart at two thirds).
    #[arg(long, default_value_t = 6,
          value_parser = clap::value_parser!(u32).range(3..=60))]
    pub seconds: u32,
    /// How many keep-alive clients load nginx at once.
    #[arg(long, default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(1..=256))]
    pub connections: u32,
    /// Also write failover.md and failover.svg into this folder (the
    /// book's is book/src/ch5/measured).
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    /// The command to name in the table's first line.
    #[arg(long, hide = true)]
    pub command: Option<String>,
}

/// The width of a bucket of the time series.
const BUCKET: Duration = Duration::from_millis(100);

/// An answer not complete after this long is an error.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);

/// The page each request fetches.
const PAGE: &str = "/index.html";

/// The retries' line of the exercise's configuration, and its replacement
/// for the run without them.
const RETRIES: &str = "proxy_next_upstream error timeout http_502 http_503 http_504;";
const NO_RETRIES: &str = "proxy_next_upstream off;";

/// One run: its name and its buckets of (answers 200, other outcomes).
struct Series {
    name: &'static str,
    ok: Vec<u64>,
    errors: Vec<u64>,
    kill: Duration,
    restart: Duration,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let command = args.command.clone().unwrap_or_else(|| {
        let words: Vec<String> = std::env::args().skip(1).collect();
        format!("netkit {}", words.join(" "))
    });
    let when = bench_web::table::utc(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );
    let Some(nginx) = Tool::Nginx.find() else {
        anyhow::bail!(
            "nginx is not installed (`sudo apt-get install {}`): it is the balancer measured",
            Tool::Nginx.package()
        )
    };
    super::compare_models::server::become_subreaper();
    let site = bench_web::write_site()?;
    let mut runs = Vec::new();
    for (name, retries) in [
        ("with the exercise's retries", true),
        ("with proxy_next_upstream off", false),
    ] {
        eprintln!("{name}: {} s, {} clients", args.seconds, args.connections);
        let (balancer, mut instances) = balanced_with(&nginx, site.path(), 2, |conf| {
            if retries {
                conf
            } else {
                conf.replace(RETRIES, NO_RETRIES)
            }
        })
        .map_err(|why| anyhow::anyhow!("{name}: {why}"))?;
        let series = load(name, balancer.addr(), &args, &mut instances)?;
        eprintln!(
            "{name}: {} answers 200, {} errors",
            series.ok.iter().sum::<u64>(),
            series.errors.iter().sum::<u64>()
        );
        runs.push(series);
    }
    let text = table(&command, &when, &args, &runs);
    println!();
    print!("{text}");
    match &args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            for (name, content) in [("failover.md", text), ("failover.svg", chart(&runs)?)] {
                let path = dir.join(name);
                std::fs::write(&path, content)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("wrote {}", path.display());
            }
        }
        None => println!(
            "\n(not written: `cargo xtask bench failover --write` writes the table and the chart \
             into book/src/ch5/measured/)"
        ),
    }
    Ok(())
}

/// Loads `addr` with the clients for `--seconds`, killing the first
/// instance at a third and restarting it at two thirds.
fn load(
    name: &'static str,
    addr: SocketAddr,
    args: &Args,
    instances: &mut crate::kit::ch5::load_balance::Instances,
) -> anyhow::Result<Series> {
    let length = Duration::from_secs(args.seconds.into());
    let buckets = (length.as_millis() / BUCKET.as_millis()) as usize + 1;
    let ok: Arc<Vec<AtomicU64>> = Arc::new((0..buckets).map(|_| AtomicU64::new(0)).collect());
    let errors: Arc<Vec<AtomicU64>> = Arc::new((0..buckets).map(|_| AtomicU64::new(0)).collect());
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let clients: Vec<_> = (0..args.connections)
        .map(|_| {
            let (ok, errors, stop) = (ok.clone(), errors.clone(), stop.clone());
            std::thread::spawn(move || client(addr, start, &ok, &errors, &stop))
        })
        .collect();
    let kill = length / 3;
    let restart = length * 2 / 3;
    std::thread::sleep(kill.saturating_sub(start.elapsed()));
    let victim = instances.pids()[0];
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(victim as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .context("killing an instance")?;
    std::thread::sleep(restart.saturating_sub(start.elapsed()));
    let restarts = instances
        .watch()
        .map_err(|e| anyhow::anyhow!("{name}: restarting the instance: {e}"))?;
    anyhow::ensure!(
        restarts.len() == 1,
        "{name}: expected the killed instance restarted, got {restarts:?}"
    );
    std::thread::sleep(length.saturating_sub(start.elapsed()));
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        let _ = client.join();
    }
    let read = |v: &Arc<Vec<AtomicU64>>| v.iter().map(|a| a.load(Ordering::SeqCst)).collect();
    Ok(Series {
        name,
        ok: read(&ok),
        errors: read(&errors),
        kill,
        restart,
    })
}

/// One client: GETs on a keep-alive connection, each answer counted in
/// its bucket; a connection that fails is counted and opened again.
fn client(
    addr: SocketAddr,
    start: Instant,
    ok: &[AtomicU64],
    errors: &[AtomicU64],
    stop: &AtomicBool,
) {
    let bucket = |at: Instant| {
        let i = (at.duration_since(start).as_millis() / BUCKET.as_millis()) as usize;
        i.min(ok.len() - 1)
    };
    let mut connection: Option<(BufReader<TcpStream>, TcpStream)> = None;
    while !stop.load(Ordering::SeqCst) {
        if connection.is_none() {
            connection = TcpStream::connect_timeout(&addr, ANSWER_TIMEOUT)
                .and_then(|s| {
                    s.set_read_timeout(Some(ANSWER_TIMEOUT))?;
                    s.set_nodelay(true)?;
                    Ok((BufReader::new(s.try_clone()?), s))
                })
                .ok();
            if connection.is_none() {
                errors[bucket(Instant::now())].fetch_add(1, Ordering::SeqCst);
                continue;
            }
        }
        let Some((reader, writer)) = connection.as_mut() else {
            continue;
        };
        let answer = get(reader, writer);
        let slot = bucket(Instant::now());
        match answer {
            Some((200, close)) => {
                ok[slot].fetch_add(1, Ordering::SeqCst);
                if close {
                    connection = None;
                }
            }
            Some((_, close)) => {
                errors[slot].fetch_add(1, Ordering::SeqCst);
                if close {
                    connection = None;
                }
            }
            None => {
                errors[slot].fetch_add(1, Ordering::SeqCst);
                connection = None;
            }
        }
    }
}

/// One GET on the connection: the status, once the whole answer is read,
/// and whether the server closes the connection after it (`Connection:
/// close`: nginx does after `keepalive_requests`, 1000 by default, and the
/// client opens another, as a browser does); `None` when the connection
/// failed.
fn get(reader: &mut BufReader<TcpStream>, writer: &mut TcpStream) -> Option<(u16, bool)> {
    writer
        .write_all(format!("GET {PAGE} HTTP/1.1\r\nHost: bench\r\n\r\n").as_bytes())
        .ok()?;
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let status = line.split(' ').nth(1)?.parse().ok()?;
    let mut length = 0;
    let mut close = false;
    loop {
        line.clear();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
        if let Some(v) = lower.strip_prefix("connection:") {
            close = v.trim() == "close";
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((status, close))
}

/// Requests a second in the bucket `i` of a series.
fn per_second(count: u64) -> f64 {
    count as f64 / BUCKET.as_secs_f64()
}

/// The table: for each run, the answers and errors before the kill, while
/// one instance is down, and after the restart.
fn table(command: &str, when: &str, args: &Args, runs: &[Series]) -> String {
    let mut text = bench_web::table::measured_by(command, when);
    let _ = write!(
        text,
        " Two web-server instances behind nginx (chapter 5's load-balance configuration, \
         round robin), {c} keep-alive clients sending `GET {PAGE}` for {s} s; one instance \
         SIGKILLed at {k:.1} s, started again by the supervisor at {r:.1} s. Run twice in \
         turn: with the exercise's `{RETRIES}`, and with `{NO_RETRIES}`.\n\n",
        c = args.connections,
        s = args.seconds,
        k = runs.first().map_or(0.0, |r| r.kill.as_secs_f64()),
        r = runs.first().map_or(0.0, |r| r.restart.as_secs_f64()),
    );
    text.push_str(
        "| run | answers 200 | errors | errors while one instance was down | req/s before | req/s while down | req/s after |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for run in runs {
        let at = |d: Duration| (d.as_millis() / BUCKET.as_millis()) as usize;
        let (k, r) = (at(run.kill), at(run.restart));
        let rate = |range: std::ops::Range<usize>| {
            let n = range.len().max(1) as f64;
            run.ok[range].iter().map(|&c| per_second(c)).sum::<f64>() / n
        };
        let end = run.ok.len().saturating_sub(1);
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} | {:.0} | {:.0} | {:.0} |",
            run.name,
            run.ok.iter().sum::<u64>(),
            run.errors.iter().sum::<u64>(),
            run.errors[k..r.min(run.errors.len())].iter().sum::<u64>(),
            rate(1..k),
            rate(k..r),
            rate(r..end),
        );
    }
    text
}

/// Two panels over time, for both runs, the kill and the restart marked:
/// answers 200 a second above, errors in each 100 ms below (a handful,
/// which a shared axis with tens of thousands would hide). The last
/// bucket, cut short by the end of the run, is left out.
fn chart(runs: &[Series]) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 560)).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(
            "nginx in front of two instances while one dies and comes back",
            ("sans-serif", 18),
        )?;
        let (upper, lower) = root.split_vertically(320);
        let full = |r: &Series| r.ok.len().saturating_sub(1);
        let seconds = runs
            .first()
            .map_or(1.0, |r| full(r) as f64 * BUCKET.as_secs_f64());
        let top = runs
            .iter()
            .flat_map(|r| r.ok[..full(r)].iter())
            .map(|&c| per_second(c))
            .fold(1.0, f64::max)
            * 1.15;
        let most_errors = runs
            .iter()
            .flat_map(|r| r.errors[..full(r)].iter())
            .copied()
            .max()
            .unwrap_or(0)
            .max(1) as f64
            * 1.25;
        let colours = [RGBColor(31, 119, 180), RGBColor(214, 39, 40)];
        let at = |i: usize| (i as f64 + 0.5) * BUCKET.as_secs_f64();
        let mut answers = ChartBuilder::on(&upper)
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..seconds, 0f64..top)?;
        answers
            .configure_mesh()
            .y_desc("answers 200 a second")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()?;
        for (run, colour) in runs.iter().zip(colours) {
            let points: Vec<(f64, f64)> = run.ok[..full(run)]
                .iter()
                .enumerate()
                .map(|(i, &c)| (at(i), per_second(c)))
                .collect();
            answers
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
                .label(run.name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
                });
        }
        let mut errors = ChartBuilder::on(&lower)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..seconds, 0f64..most_errors)?;
        errors
            .configure_mesh()
            .x_desc("seconds")
            .y_desc("errors in 100 ms")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()?;
        for (run, colour) in runs.iter().zip(colours) {
            let points: Vec<(f64, f64)> = run.errors[..full(run)]
                .iter()
                .enumerate()
                .map(|(i, &c)| (at(i), c as f64))
                .collect();
            errors.draw_series(LineSeries::new(points, colour.stroke_width(2)))?;
        }
        if let Some(run) = runs.first() {
            for (when, what) in [(run.kill, "one killed"), (run.restart, "restarted")] {
                let x = when.as_secs_f64();
                answers.draw_series(std::iter::once(PathElement::new(
                    vec![(x, 0.0), (x, top)],
                    BLACK.mix(0.5).stroke_width(1),
                )))?;
                answers.draw_series(std::iter::once(Text::new(
                    what,
                    (x + 0.05, top * 0.97),
                    ("sans-serif", 13),
                )))?;
                errors.draw_series(std::iter::once(PathElement::new(
                    vec![(x, 0.0), (x, most_errors)],
                    BLACK.mix(0.5).stroke_width(1),
                )))?;
            }
        }
        answers
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        root.present()?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    /// The book's measured files of chapter 5: each names the command that
    /// wrote it in its first line, and holds its table (never typed).
    #[test]
    fn the_books_measured_files_were_written_by_their_commands() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src/ch5/measured");
        for (file, command, header) in [
            (
                "failover.md",
                "cargo xtask bench failover",
                "| run | answers 200 | errors |",
            ),
            ("balanced.md", "cargo xtask bench", "| model "),
            ("models.md", "cargo xtask bench", "| req/s "),
        ] {
            let path = dir.join(file);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            let first = text.lines().next().unwrap_or_default();
            assert!(
                first.starts_with(&format!("Measured by `{command}")) && first.contains(" UTC."),
                "{}: the first line says which command wrote it and when; got {first:?}\n\
                 write it again with `{command} --write`",
                path.display()
            );
            assert!(
                text.lines().any(|l| l.starts_with(header)),
                "{}: no table starting {header:?}; write it again with `{command} --write`",
                path.display()
            );
        }
    }
}
