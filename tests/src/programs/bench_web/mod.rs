//! `bench-web`: chapter 4's web server against nginx, in one run, on the
//! same machine. It writes a site (a 1 KiB page, a 100 KiB file), starts the
//! kit's `web-server` (this same binary) and nginx (the harness's [`Nginx`]:
//! one worker, `sendfile on`, no access log) on it, and loads each with wrk
//! (`-t1 -cN -dSs --latency`) in turn, the kit's server then nginx, file by
//! file, round after round, so that a slow spell of a shared machine falls on
//! both. It prints the medians, the ratio kit/nginx and the chapter's
//! targets as a markdown table, and with `--out` writes it for the book.
//! `cargo xtask bench web` builds this binary in release with the reference
//! and runs it.
//!
//! Bounded: each wrk run is killed [`TIMEOUT`] after its own `-d` (the
//! harness's [`wrk()`]); nginx and the kit's server are [`Program`]s, whose
//! whole process groups are killed and reaped when they are dropped, at the
//! end, on an error and on a panic alike. Without wrk it measures nothing;
//! without nginx, the kit's server alone; it says which, and how to install
//! what is missing, and exits 0.

pub(crate) mod table;

use crate::harness::{Liveness, Nginx, Program, TIMEOUT, Tool, WrkReport, XorShift, wrk};
use anyhow::Context;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use table::{FILES, FileResult, Side};

/// `bench-web [--seconds S] [--connections N] [--rounds R] [--out FILE]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How long each wrk run lasts, in seconds (wrk's `-d`).
    #[arg(long, default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=60))]
    pub seconds: u32,
    /// How many connections wrk keeps open (its `-c`), on one thread.
    #[arg(long, default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub connections: u32,
    /// How many times each server is loaded with each file; the table shows
    /// the medians.
    #[arg(long, default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=9))]
    pub rounds: u32,
    /// Also write the table, as markdown, to this file (the book includes
    /// book/src/ch4/measured/web.md, written by `cargo xtask bench web --write`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The command to name in the table's first line (cargo xtask passes
    /// the one that was typed).
    #[arg(long, hide = true)]
    pub command: Option<String>,
}

/// Measures both servers and prints the table.
pub fn run(args: Args) -> anyhow::Result<()> {
    let command = args.command.clone().unwrap_or_else(|| {
        let words: Vec<String> = std::env::args().skip(1).collect();
        format!("netkit {}", words.join(" "))
    });
    let when = table::utc(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );
    // Read before anything of ours runs: what else the machine was doing.
    let load = load_average();
    let Some(wrk_path) = Tool::Wrk.find() else {
        println!(
            "bench-web: wrk is not installed, so nothing can be measured. Install it with \
             `sudo apt-get install {}` (with nginx: `sudo apt-get install {} {}`)",
            Tool::Wrk.package(),
            Tool::Nginx.package(),
            Tool::Wrk.package()
        );
        return Ok(());
    };
    let nginx_path = Tool::Nginx.find();
    if nginx_path.is_none() {
        println!(
            "bench-web: nginx is not installed: the kit's server is measured alone, with \
             nothing to compare it with. Install it with `sudo apt-get install {}`",
            Tool::Nginx.package()
        );
    }
    let site = write_site()?;
    let wrk_version = version(&wrk_path, "--version");
    let nginx_version = nginx_path.as_deref().map(|p| version(p, "-v"));

    let mut kit = start_kit_server(site.path());
    let mut nginx = match &nginx_path {
        None => Err(format!(
            "not installed (apt-get install {})",
            Tool::Nginx.package()
        )),
        Some(path) => caught(|| Nginx::serve(path, site.path()))
            .map_err(|why| format!("did not start: {why}"))
            .and_then(|n| {
                let addr = n.addr();
                check_serves(addr).map(|()| (n, addr))
            }),
    };

    let mut results: Vec<FileResult> = FILES
        .iter()
        .map(|&file| FileResult {
            file,
            kit: Side::default(),
            nginx: Side::default(),
        })
        .collect();
    for round in 1..=args.rounds {
        for result in results.iter_mut() {
            measure_round(&wrk_path, &args, round, &mut kit, KIT_LABEL, result, |r| {
                &mut r.kit
            });
            measure_round(&wrk_path, &args, round, &mut nginx, "nginx", result, |r| {
                &mut r.nginx
            });
        }
    }
    // Both are stopped (their groups killed and reaped) before the table.
    drop(kit);
    drop(nginx);

    let text = report(&Facts {
        command: &command,
        when: &when,
        args: &args,
        load: &load,
        wrk_version: &wrk_version,
        nginx_version: nginx_version.as_deref(),
        results: &results,
    });
    println!();
    print!("{text}");
    if let Some(path) = &args.out {
        let complete = results
            .iter()
            .all(|r| r.kit.failure.is_none() && r.nginx.failure.is_none());
        if complete {
            std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?;
            println!("\nwrote {}", path.display());
        } else {
            println!(
                "\nnot writing {}: a server was not measured in every round, and the book \
                 shows only whole comparisons",
                path.display()
            );
        }
    }
    Ok(())
}

/// How progress lines name the kit's server.
const KIT_LABEL: &str = "kit web-server";

/// One wrk run of `result`'s file against a server still standing; a
/// failure (the server died, wrk failed) is recorded and that server is
/// measured no more.
fn measure_round<S: Server>(
    wrk_path: &Path,
    args: &Args,
    round: u32,
    server: &mut Result<(S, SocketAddr), String>,
    name: &str,
    result: &mut FileResult,
    side: impl Fn(&mut FileResult) -> &mut Side,
) {
    let file = result.file;
    let side = side(result);
    let (program, addr) = match server {
        Ok((program, addr)) => (&*program, *addr),
        Err(why) => {
            side.failure.get_or_insert_with(|| why.clone());
            return;
        }
    };
    let url = format!("http://{addr}/{}", file.name);
    eprint!("round {round}/{}: {name}, {}: ", args.rounds, file.label());
    let _ = std::io::stderr().flush();
    let measured = caught(|| wrk(wrk_path, &url, args.connections, args.seconds))
        .and_then(|report| program.alive().map(|()| report));
    match measured {
        Ok(report) => {
            eprintln!("{}", progress(&report));
            side.runs.push(report);
        }
        Err(why) => {
            eprintln!("failed");
            side.failure = Some(why.clone());
            *server = Err(why);
        }
    }
}

/// `41234 req/s, p50 1.20 ms, p99 4.30 ms, 0 errors`.
fn progress(report: &WrkReport) -> String {
    format!(
        "{:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
        report.requests_per_sec,
        report.p50.as_secs_f64() * 1e3,
        report.p99.as_secs_f64() * 1e3,
        report.errors()
    )
}

/// A server under load, asked after each run whether it still stands.
trait Server {
    fn alive(&self) -> Result<(), String>;
}

impl Server for Program {
    fn alive(&self) -> Result<(), String> {
        self.check()
    }
}

impl Server for Nginx {
    fn alive(&self) -> Result<(), String> {
        self.program().check()
    }
}

/// `netkit web-server --root DIR --addr 127.0.0.1:0`, this same binary, and
/// the address of its first line; then one request for each file.
fn start_kit_server(root: &Path) -> Result<(Program, SocketAddr), String> {
    let exe = std::env::current_exe().map_err(|e| format!("finding the netkit binary: {e}"))?;
    let mut command = Command::new(exe);
    command
        .args(["web-server", "--root"])
        .arg(root)
        .args(["--addr", "127.0.0.1:0"]);
    let command_line = format!(
        "netkit web-server --root {} --addr 127.0.0.1:0",
        root.display()
    );
    let mut program = caught(|| Program::start_command(command_line, command))?;
    let line =
        caught(|| program.expect_line("`listening on IP:PORT`", |_| true)).map_err(|why| {
            // The program's own words say more than the harness's report.
            match program.check() {
                Err(_) => format!(
                    "did not start: {}",
                    crate::harness::stderr_gist(&program.stderr_raw())
                ),
                Ok(()) => format!("did not start: {}", why.lines().next().unwrap_or_default()),
            }
        })?;
    let addr = line
        .strip_prefix("listening on ")
        .and_then(|a| a.trim().parse().ok())
        .ok_or_else(|| format!("its first line is {line:?}, not `listening on IP:PORT`"))?;
    check_serves(addr)?;
    Ok((program, addr))
}

/// One GET of each file, to see that the server sends it whole with 200,
/// before any figure is taken: a server that answers 404 fast is not fast.
pub(crate) fn check_serves(addr: SocketAddr) -> Result<(), String> {
    for file in FILES {
        let (status, body) = get(addr, file.name)
            .map_err(|e| format!("GET /{} from {addr} failed: {e}", file.name))?;
        if status != 200 || body != file.size {
            return Err(format!(
                "GET /{} from {addr} gave status {status} and a {body}-byte body; \
                 expected 200 and {} bytes",
                file.name, file.size
            ));
        }
    }
    Ok(())
}

/// `GET /NAME` with `Connection: close`: the status and the body's length.
fn get(addr: SocketAddr, name: &str) -> std::io::Result<(u16, usize)> {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    write!(
        stream,
        "GET /{name} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "not an HTTP response");
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(bad)?;
    let head = String::from_utf8_lossy(&response[..end]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)?;
    Ok((status, response.len() - end - 4))
}

/// The site, in a temporary folder: `index.html` of exactly 1 KiB and
/// `big.bin` of 100 KiB of reproducible random bytes.
pub(crate) fn write_site() -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir().context("creating a folder for the site")?;
    for file in FILES {
        let bytes = if file.name.ends_with(".html") {
            page(file.size)
        } else {
            XorShift::new(4).bytes(file.size)
        };
        std::fs::write(dir.path().join(file.name), bytes)
            .with_context(|| format!("writing {}", file.name))?;
    }
    Ok(dir)
}

/// An HTML page of exactly `size` bytes.
fn page(size: usize) -> Vec<u8> {
    let head = b"<!DOCTYPE html>\n<html><head><title>bench</title></head><body><p>";
    let tail = b"</p></body></html>\n";
    let mut page = head.to_vec();
    page.resize(size - tail.len(), b'x');
    page.extend_from_slice(tail);
    page
}

/// `/proc/loadavg`'s three averages: `1.72 / 1.21 / 3.33`.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" / "))
        .unwrap_or_else(|| "unknown".to_string())
}

/// A tool's version from what `PATH ARG` prints (wrk prints it on stdout
/// and exits 1, nginx on stderr): the word after `name` in
/// `wrk debian/4.1.0-3+b2 [epoll] …` or `nginx version: nginx/1.22.1`,
/// without a `…/` before it. Bounded like every child of the harness.
pub(crate) fn version(path: &Path, arg: &str) -> String {
    let mut command = Command::new(path);
    command.arg(arg);
    let line = format!("{} {arg}", path.display());
    caught(|| Program::start_command(line, command).finish())
        .ok()
        .and_then(|f| version_in(&format!("{}\n{}", f.stdout.join("\n"), f.stderr)))
        .unwrap_or_else(|| "(version unknown)".to_string())
}

fn version_in(text: &str) -> Option<String> {
    let line = text
        .lines()
        .map(|l| l.trim_start_matches([' ', '|']))
        .find(|l| l.starts_with("wrk ") || l.starts_with("nginx version:"))?;
    let word = line
        .strip_prefix("nginx version:")
        .unwrap_or_else(|| &line["wrk ".len()..])
        .split_whitespace()
        .next()?;
    Some(word.rsplit('/').next().unwrap_or(word).to_string())
}

/// Everything the report says.
struct Facts<'a> {
    command: &'a str,
    when: &'a str,
    args: &'a Args,
    load: &'a str,
    wrk_version: &'a str,
    nginx_version: Option<&'a str>,
    results: &'a [FileResult],
}

/// The report, as markdown: who measured what, on which machine, then the
/// table and any note on a server not measured.
fn report(facts: &Facts) -> String {
    let args = facts.args;
    let build = if cfg!(debug_assertions) {
        "debug build"
    } else {
        "release build"
    };
    let kit = if crate::KIT_NAME == "solutions" {
        "the reference"
    } else {
        "your code"
    };
    let mut text = table::measured_by(facts.command, facts.when);
    text.push_str(&format!(
        " Each server is loaded with `wrk -t1 -c{c} -d{s}s --latency`, the kit's and \
         nginx in turn, {r} round{plural}; the figures are the medians of the rounds, \
         errors their sum.\n\n",
        c = args.connections,
        s = args.seconds,
        r = args.rounds,
        plural = if args.rounds == 1 { "" } else { "s" },
    ));
    text.push_str(&format!(
        "The machine: {cores} cores ({cpu}), Linux {kernel}, load average {load} \
         (1, 5, 15 min) at the start. {nginx}; wrk {wrk}; the kit's `web-server`: \
         {kit}, {build}.\n\n",
        cores = std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu = cpu_model(),
        kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim(),
        load = facts.load,
        nginx = facts.nginx_version.map_or_else(
            || "nginx is not installed".to_string(),
            |v| format!("nginx {v} (one worker, sendfile on, no access log)")
        ),
        wrk = facts.wrk_version,
    ));
    text.push_str(&table::table(facts.results));
    let notes = table::notes(facts.results, args.rounds as usize);
    if !notes.is_empty() {
        text.push('\n');
        for note in notes {
            text.push_str(&format!("- {note}\n"));
        }
    }
    text
}

pub(crate) fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "an unknown CPU".to_string())
}

/// Runs a harness call that fails by panicking (as a test's helpers do),
/// and gives its message as an error instead, without the panic's own
/// report on stderr. Whatever the call had started is dropped as it
/// unwinds: a [`Program`] kills and reaps its group then.
pub(crate) fn caught<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "it panicked".to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file the book includes was written by this program as it is:
    /// its first line names the command and its table has these columns.
    /// A change to the columns must come with a fresh run.
    #[test]
    fn the_books_table_was_written_by_this_program() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src/ch4/measured/web.md");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let first = text.lines().next().unwrap_or_default();
        assert!(
            first.starts_with(table::MEASURED_BY) && first.contains(" UTC."),
            "{}: the first line says which command wrote it and when; got {first:?}\n\
             write it again with `cargo xtask bench web --write`",
            path.display()
        );
        assert!(
            text.lines().any(|l| table::cells(l) == table::COLUMNS),
            "{}: no table with this program's columns, {:?}; got:\n{text}\n\
             write it again with `cargo xtask bench web --write`",
            path.display(),
            table::COLUMNS
        );
        for file in FILES {
            assert!(
                text.contains(&format!("| {}", file.label())),
                "{}: no row for {}:\n{text}",
                path.display(),
                file.label()
            );
        }
    }

    #[test]
    fn versions_are_read_as_wrk_and_nginx_print_them() {
        assert_eq!(
            version_in("wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer\nUsage: wrk"),
            Some("4.1.0-3+b2".to_string()),
            "Debian's wrk"
        );
        assert_eq!(
            version_in("\n  | nginx version: nginx/1.22.1"),
            Some("1.22.1".to_string()),
            "nginx -v, on stderr as the harness quotes it"
        );
        assert_eq!(version_in("command not found"), None, "no version");
    }

    #[test]
    fn the_page_is_exactly_its_size_and_html() {
        let page = page(1024);
        assert_eq!(page.len(), 1024, "the page is 1 KiB");
        assert!(
            page.starts_with(b"<!DOCTYPE html>") && page.ends_with(b"</html>\n"),
            "a whole HTML page"
        );
    }
}
