//! The speed line of `cargo xtask check chapter5` (and `check c10k`): once
//! `c10k` passes, the student's `c10k-server` and the reference's, each
//! built in release, are loaded in turn by the reference's load generator
//! (64 keep-alive connections, `GET` of a 1 KiB page, [`ROUNDS`] rounds of
//! [`SECONDS`] s, interleaved so that both meet the same machine), and
//! their medians printed side by side. A number measured here, now: it is
//! never a pass or a fail. Whatever stops the measurement (no reference in
//! a hand-out, a build or a server that fails) is said in one line, and the
//! check goes on.

use crate::progress;
use crate::suite::{Kit, cargo};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The exercise whose server is measured.
pub const EXERCISE: &str = "c10k";
/// Rounds per server, interleaved: yours, the reference, yours, …
pub const ROUNDS: usize = 3;
/// Seconds of load per round.
pub const SECONDS: u64 = 2;
/// Keep-alive connections of the load.
pub const CONNECTIONS: usize = 64;

/// How long a server may take to say where it listens, and a load round
/// beyond its seconds, before the measurement gives up.
const PATIENCE: Duration = Duration::from_secs(20);

/// Prints the speed lines for `kit`, given whether `c10k` passed and
/// whether other exercise files were swapped for stubs to build.
pub fn report(root: &Path, kit: Kit, passed: bool, replaced: &[String]) {
    println!();
    if !passed {
        println!(
            "Speed: measured once `{EXERCISE}` passes (your c10k-server against the reference's)."
        );
        return;
    }
    if !replaced.is_empty() {
        println!(
            "Speed: skipped: {} does not compile, and the release build needs every file.",
            replaced.join(", ")
        );
        return;
    }
    if !root.join("solutions/Cargo.toml").is_file() {
        println!(
            "Speed: this copy has no reference to measure yours against. By hand: \
             `cargo xtask run --release c10k-server --root data/site` in one terminal, your \
             load generator (or wrk) in another."
        );
        return;
    }
    if let Err(e) = measure(root, kit) {
        println!("Speed: skipped: {e:#}");
    }
}

/// One server to measure: its label and its runner.
struct Contender {
    label: &'static str,
    runner: PathBuf,
    rounds: Vec<f64>,
}

fn measure(root: &Path, kit: Kit) -> Result<()> {
    println!(
        "Speed: c10k-server in release, loaded by the reference's load-gen ({CONNECTIONS} \
         connections, GET of a 1 KiB page, {ROUNDS} rounds of {SECONDS} s, interleaved):"
    );
    let reference = runner(root, Kit::Solutions, "netkit-reference")?;
    let mut contenders = Vec::new();
    if kit == Kit::Exercises {
        contenders.push(Contender {
            label: "yours",
            runner: runner(root, Kit::Exercises, "netkit-yours")?,
            rounds: Vec::new(),
        });
    }
    contenders.push(Contender {
        label: "the reference",
        runner: reference.clone(),
        rounds: Vec::new(),
    });
    let site = tempfile::tempdir().context("a temporary folder for the site")?;
    let page: Vec<u8> = b"<!doctype html><p>a page of one KiB</p>\n"
        .iter()
        .copied()
        .cycle()
        .take(1024)
        .collect();
    std::fs::write(site.path().join("index.html"), page).context("writing the page")?;
    for _ in 0..ROUNDS {
        for contender in &mut contenders {
            let rate = round(&contender.runner, &reference, site.path())
                .with_context(|| format!("measuring {}", contender.label))?;
            contender.rounds.push(rate);
        }
    }
    for contender in &contenders {
        let rounds: Vec<String> = contender.rounds.iter().map(|r| thousands(*r)).collect();
        println!(
            "  {:<14} {:>9} req/s   (rounds: {})",
            contender.label,
            thousands(median(&contender.rounds)),
            rounds.join(", ")
        );
    }
    match contenders.as_slice() {
        [yours, reference] => println!(
            "  yours / the reference: {:.2}× (medians; a timing of this machine now, not a grade)",
            median(&yours.rounds) / median(&reference.rounds)
        ),
        _ => println!("  (--solutions: the reference alone; without it, yours beside it)"),
    }
    Ok(())
}

/// Builds the runner in release for `kit` (as `cargo xtask run --release`
/// does, so the build is shared) and copies it to `target/speed/NAME`:
/// the next build, for the other kit, replaces `target/release/netkit`.
fn runner(root: &Path, kit: Kit, name: &str) -> Result<PathBuf> {
    let mut command = cargo();
    command
        .current_dir(root)
        .args([
            "build",
            "--release",
            "-p",
            "netkit-tests",
            "--bin",
            "netkit",
        ])
        .args(kit.feature_args())
        .args(["--message-format", "json-render-diagnostics"])
        .stdin(Stdio::null());
    let what = match kit {
        Kit::Exercises => "your servers, in release",
        Kit::Solutions => "the reference's servers, in release",
    };
    let output = progress::output(&mut command, what)?;
    let built = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "netkit")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from));
    let Some(built) = built.filter(|_| output.status.success()) else {
        bail!(
            "{what} did not build:\n{}",
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
    };
    let folder = built
        .parent()
        .and_then(Path::parent)
        .context("the runner's target folder")?
        .join("speed");
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    let copy = folder.join(name);
    std::fs::copy(&built, &copy)
        .with_context(|| format!("copying the runner to {}", copy.display()))?;
    Ok(copy)
}

/// Kills and reaps a child when dropped: no server outlives the check.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        drop(self.0.kill());
        drop(self.0.wait());
    }
}

/// One round: `server`'s c10k-server on `site`, loaded by `load`'s
/// load-gen; returns its requests a second.
fn round(server: &Path, load: &Path, site: &Path) -> Result<f64> {
    let mut child = Command::new(server)
        .args(["c10k-server", "--addr", "127.0.0.1:0", "--root"])
        .arg(site)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting c10k-server")?;
    let stdout = child.stdout.take().context("the server's output")?;
    let server = Reaped(child);
    let (line, first_line) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        drop(BufReader::new(stdout).read_line(&mut text));
        drop(line.send(text));
    });
    let text = first_line
        .recv_timeout(PATIENCE)
        .context("c10k-server did not say where it listens")?;
    let addr = text
        .trim()
        .strip_prefix("listening on ")
        .with_context(|| format!("c10k-server's first line was {text:?}"))?
        .to_string();
    let connections = CONNECTIONS.to_string();
    let duration = format!("{SECONDS}s");
    let output = run_bounded(
        Command::new(load).args([
            "load-gen",
            &format!("http://{addr}/index.html"),
            "-c",
            &connections,
            "-t",
            "1",
            "-d",
            &duration,
        ]),
        Duration::from_secs(SECONDS) + PATIENCE,
    )?;
    drop(server);
    requests_per_second(&output).with_context(|| format!("load-gen printed:\n{output}"))
}

/// Runs `command` to its end, within `limit`; returns its stdout.
fn run_bounded(command: &mut Command, limit: Duration) -> Result<String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting load-gen")?;
    let mut stdout = child.stdout.take().context("load-gen's output")?;
    let mut child = Reaped(child);
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.0.try_wait()? {
            let mut text = String::new();
            stdout.read_to_string(&mut text)?;
            if !status.success() {
                bail!("load-gen failed ({status}):\n{text}");
            }
            return Ok(text);
        }
        if Instant::now() >= deadline {
            bail!("load-gen did not end within {} s", limit.as_secs());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The number of load-gen's line `Requests/sec: N`.
fn requests_per_second(report: &str) -> Option<f64> {
    report
        .lines()
        .find_map(|line| line.trim().strip_prefix("Requests/sec:"))
        .and_then(|n| n.trim().parse().ok())
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// `41230.7` as `41 231`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_load_gens_rate_and_takes_medians() {
        let report = "Running against 127.0.0.1:1: 64 connections\n100 requests in 2.00s\nRequests/sec: 41230.70\n";
        assert_eq!(
            requests_per_second(report),
            Some(41230.70),
            "the Requests/sec line of {report:?}"
        );
        assert_eq!(
            requests_per_second("no such line"),
            None,
            "a report without the line"
        );
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0, "the middle of three");
        assert_eq!(median(&[4.0, 1.0]), 2.5, "the mean of the middle two");
        assert_eq!(thousands(41230.7), "41 231", "grouped by thousands");
        assert_eq!(thousands(999.0), "999", "no group under a thousand");
        assert_eq!(thousands(1_000_000.0), "1 000 000", "two groups");
    }
}
