//! `compare-models`: chapter 3's servers side by side, measured. Each model
//! is started in turn, once per client count, and driven by that many
//! clients over loopback, each keeping one line in flight; the program
//! prints one row per run. Every run is bounded: at most 10 s to settle, the
//! measured phase (`--millis`), at most 5 000 clients.

pub(crate) mod footprint;
mod load;
pub(crate) mod server;

use anyhow::{Context, bail};
use footprint::Footprint;
use load::{Outcome, Plan};
use server::ModelServer;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

/// Every model of chapter 3, as the runner starts it.
const MODELS: &[&[&str]] = &[
    &["iterative-server"],
    &["fork-server"],
    &["thread-server"],
    &["pool-server"],
    &["nonblocking-server"],
    &["select-server"],
    &["epoll-server"],
    &["epoll-server", "--edge"],
];

/// The most clients one run may have.
const MAX_CLIENTS: usize = 5000;

/// `compare-models [--clients N,N…] [--models NAME,…] [--millis MS] [--settle-millis MS] [--out FILE]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many concurrent clients each run has, one run per number.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 10, 100, 1000],
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_CLIENTS as u64))]
    pub clients: Vec<usize>,
    /// Only these models (program names, such as `epoll-server`); all by default.
    #[arg(long, value_delimiter = ',')]
    pub models: Vec<String>,
    /// How long each run is measured, after its clients have settled.
    #[arg(long, default_value_t = 1000,
          value_parser = clap::builder::RangedU64ValueParser::<u64>::new().range(10..=60_000))]
    pub millis: u64,
    /// The clients have settled when each is answered or turned away, or
    /// when no client has had its first answer for this long.
    #[arg(long, default_value_t = 500,
          value_parser = clap::builder::RangedU64ValueParser::<u64>::new().range(10..=10_000))]
    pub settle_millis: u64,
    /// Also write the table to this file (the book includes such a file).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs every chosen model at every client count and prints the table.
pub fn run(args: Args) -> anyhow::Result<()> {
    let models = chosen_models(&args.models)?;
    server::become_subreaper();
    super::raise_open_file_limit("compare-models");
    let settle = Duration::from_millis(args.settle_millis);
    let measure = Duration::from_millis(args.millis);
    let mut table = String::new();
    let mut emit = |line: String| {
        println!("{line}");
        let _ = std::io::stdout().flush();
        table.push_str(&line);
        table.push('\n');
    };
    emit(format!("compare-models on {}", machine()));
    emit(format!(
        "each client keeps one {}-byte line in flight; {} ms measured after the clients settle",
        load::LINE.len(),
        args.millis
    ));
    emit(String::new());
    emit(header());
    for model in &models {
        for &clients in &args.clients {
            let plan = Plan {
                clients,
                settle,
                measure,
            };
            emit(row(model, plan, measure_one(model, plan)));
        }
    }
    if let Some(path) = &args.out {
        std::fs::write(path, &table).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The models named (all if none), in the chapter's order.
fn chosen_models(names: &[String]) -> anyhow::Result<Vec<&'static [&'static str]>> {
    for name in names {
        if !MODELS.iter().any(|m| m[0] == name) {
            let known: Vec<&str> = MODELS.iter().map(|m| m[0]).collect();
            bail!(
                "no model named {name:?}; the models are {}",
                known.join(", ")
            );
        }
    }
    Ok(MODELS
        .iter()
        .copied()
        .filter(|m| names.is_empty() || names.iter().any(|n| n == m[0]))
        .collect())
}

/// One run's numbers.
struct Measured {
    outcome: Outcome,
    /// The server's footprint with one client served and gone.
    before: Footprint,
    /// Its footprint at the end of the measured phase, every client connected.
    during: Footprint,
}

/// Starts `model`, serves one client to warm it up, then drives `plan`.
fn measure_one(model: &[&str], plan: Plan) -> Result<Measured, String> {
    let mut server = ModelServer::start(model).map_err(|e| format!("{e:#}"))?;
    let measured = warm_up(&server)
        .and_then(|()| {
            let before = footprint::of_group(server.pgid());
            let pgid = server.pgid();
            let (outcome, during) = load::run(server.addr, plan, || footprint::of_group(pgid))?;
            Ok(Measured {
                outcome,
                before,
                during,
            })
        })
        .map_err(|e| format!("{e:#}"));
    // A server that died says why better than a client that was reset.
    let bound = match measured {
        Ok(_) => Duration::ZERO,
        Err(_) => Duration::from_secs(1),
    };
    if let Some(why) = server.exited_within(bound) {
        return Err(why);
    }
    measured
}

/// One client, one line, one echo, gone: so that the footprint measured
/// before the run counts what the server sets up once (a pool's threads, an
/// epoll's tables), not what each connection costs.
fn warm_up(server: &ModelServer) -> anyhow::Result<()> {
    let bound = Some(Duration::from_secs(10));
    let mut stream = TcpStream::connect(server.addr).context("connecting the first client")?;
    stream.set_read_timeout(bound)?;
    stream.write_all(load::LINE)?;
    let mut echo = vec![0u8; load::LINE.len()];
    stream
        .read_exact(&mut echo)
        .context("waiting for the first client's echo")?;
    if echo != load::LINE {
        bail!(
            "the first client sent {:?} and got back {:?}",
            String::from_utf8_lossy(load::LINE),
            String::from_utf8_lossy(&echo)
        );
    }
    Ok(())
}

const COLUMNS: [(&str, usize); 10] = [
    ("model", 21),
    ("clients", 7),
    ("served", 11),
    ("refused", 7),
    ("lines/s", 9),
    ("p99 ms", 8),
    ("worst ms", 9),
    ("KiB/client", 10),
    ("threads", 7),
    ("procs", 5),
];

fn header() -> String {
    let mut line = String::new();
    for (i, (name, width)) in COLUMNS.iter().enumerate() {
        if i == 0 {
            let _ = write!(line, "{name:<width$}");
        } else {
            let _ = write!(line, "  {name:>width$}");
        }
    }
    line
}

fn row(model: &[&str], plan: Plan, measured: Result<Measured, String>) -> String {
    let name = model.join(" ");
    let mut cells = vec![name, plan.clients.to_string()];
    match measured {
        Err(why) => {
            let mut line = format!("{:<21}  {:>7}  ", cells[0], cells[1]);
            line.push_str(&why);
            return line;
        }
        Ok(Measured {
            outcome,
            before,
            during,
        }) => {
            let grown = during.pss.saturating_sub(before.pss);
            cells.extend([
                format!("{}/{}", outcome.served, plan.clients),
                outcome.turned_away.to_string(),
                format!("{:.0}", outcome.lines_per_second()),
                outcome.p99().map_or("-".to_string(), millis),
                millis(outcome.worst_wait),
                format!("{:.1}", grown as f64 / 1024.0 / plan.clients as f64),
                during.threads.to_string(),
                during.processes.to_string(),
            ]);
        }
    }
    let mut line = String::new();
    for (i, (cell, (_, width))) in cells.iter().zip(COLUMNS).enumerate() {
        if i == 0 {
            let _ = write!(line, "{cell:<width$}");
        } else {
            let _ = write!(line, "  {cell:>width$}");
        }
    }
    line
}

fn millis(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.0}")
    }
}

/// The machine, in one line: what a reader needs to compare with theirs.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "an unknown CPU".to_string());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let kernel = kernel.trim();
    let build = if cfg!(debug_assertions) {
        "debug build"
    } else {
        "release build"
    };
    format!("{cores} cores ({cpu}), Linux {kernel}, {build}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables the book includes were printed by this program as it is:
    /// same columns, known models. A change to the columns must come with a
    /// fresh run (the page says how).
    #[test]
    fn the_books_tables_have_this_programs_columns_and_models() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src/ch3/measured");
        for name in ["compare-models.txt", "compare-models-limit.txt"] {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            let lines: Vec<&str> = text.lines().collect();
            assert!(
                lines
                    .first()
                    .is_some_and(|l| l.starts_with("compare-models on "))
                    && lines.get(3) == Some(&header().as_str()),
                "{}: expected the machine line first and this header as line 4:\n{}\ngot:\n{text}\n\
                 regenerate it with the command on book/src/ch3/compare-models.md",
                path.display(),
                header()
            );
            for row in &lines[4..] {
                assert!(
                    MODELS.iter().any(|m| row
                        .strip_prefix(m.join(" ").as_str())
                        .is_some_and(|r| r.starts_with("  "))),
                    "{}: the row {row:?} names no model of compare-models",
                    path.display()
                );
            }
        }
    }
}
