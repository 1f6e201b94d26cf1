//! Probes of the exercise `copy-dir`: `copy_dir` forks, so it runs here.
//!
//! Lines printed (names in Rust's `{:?}` form, quotes and escapes included):
//!
//! - `done copied NAME` | `done failed NAME`: each outcome passed to
//!   `on_done`, in the order it came;
//! - `result ok` or `result error`, then `error_kind VARIANT` and `error TEXT`;
//! - `copied NAME`: each name `copy_dir` returned (or listed in
//!   `CopiesFailed`), in its order; `failed NAME`: each failed one;
//! - `children N`, `zombies N`: what is left of this process's children.

use super::procfs;
use crate::kit::ch2::copy_dir::{self as kit, CopyError, Outcome};
use anyhow::{Context, bail};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::sys::signal::{SigHandler, Signal, signal};
use std::path::Path;

/// Runs the probe `copy_dir::PROBE`.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    match (probe, args) {
        ("copy", [from, to]) => copy(Path::new(from), Path::new(to)),
        ("copy_limited", [from, to, limit, on_too_big]) => {
            let limit: u64 = limit
                .parse()
                .with_context(|| format!("the limit is not a number: {limit:?}"))?;
            limit_file_size(limit, on_too_big)?;
            copy(Path::new(from), Path::new(to))
        }
        ("copy" | "copy_limited", _) => bail!("wrong arguments for {probe}: {args:?}"),
        _ => Err(super::unknown("copy_dir", probe)),
    }
}

/// Limits the size of any file this process and its children write to
/// `limit` bytes (RLIMIT_FSIZE: it binds root too). Writing past it raises
/// SIGXFSZ: `on_too_big` is `kill` to let that signal kill the writer (its
/// default), or `error` to ignore it, so that the write fails with EFBIG.
/// Children inherit both.
fn limit_file_size(limit: u64, on_too_big: &str) -> anyhow::Result<()> {
    let handler = match on_too_big {
        "kill" => SigHandler::SigDfl,
        "error" => SigHandler::SigIgn,
        other => bail!("on_too_big is `kill` or `error`, not {other:?}"),
    };
    // SAFETY: SIG_DFL and SIG_IGN are not functions: no handler code runs.
    unsafe { signal(Signal::SIGXFSZ, handler) }.context("setting SIGXFSZ's disposition")?;
    let (_, hard) = getrlimit(Resource::RLIMIT_FSIZE).context("getrlimit")?;
    setrlimit(Resource::RLIMIT_FSIZE, limit, hard).context("setrlimit(RLIMIT_FSIZE)")?;
    Ok(())
}

/// Calls `copy_dir(from, to, …)` and prints what happened.
fn copy(from: &Path, to: &Path) -> anyhow::Result<()> {
    println!(
        "note the parent's gets end (Disconnected) only once every copy of the sender is \
         closed: each child's as it exits, and the parent's own right after the forks"
    );
    let result = kit::copy_dir(from, to, |outcome| match outcome {
        Outcome::Copied { name, .. } => println!("done copied {name:?}"),
        Outcome::Failed { name, .. } => println!("done failed {name:?}"),
    });
    match &result {
        Ok(copied) => {
            println!("result ok");
            for name in copied {
                println!("copied {name:?}");
            }
        }
        Err(e) => {
            println!("result error");
            println!("error_kind {}", kind(e));
            println!("error {e}");
            if let CopyError::CopiesFailed { copied, failed } = e {
                for name in copied {
                    println!("copied {name:?}");
                }
                for (name, _) in failed {
                    println!("failed {name:?}");
                }
            }
        }
    }
    let left = procfs::my_children();
    println!("children {}", left.len());
    println!("zombies {}", left.iter().filter(|p| p.is_zombie()).count());
    Ok(())
}

/// The variant's name.
fn kind(e: &CopyError) -> &'static str {
    match e {
        CopyError::ReadSource { .. } => "ReadSource",
        CopyError::NotARegularFile { .. } => "NotARegularFile",
        CopyError::NameNotUtf8 { .. } => "NameNotUtf8",
        CopyError::DestinationExists { .. } => "DestinationExists",
        CopyError::CreateDestination { .. } => "CreateDestination",
        CopyError::Queue(_) => "Queue",
        CopyError::CopiesFailed { .. } => "CopiesFailed",
    }
}
