//! Probes: the suite's way to call code that forks.
//!
//! `fork` in a multi-threaded process copies only the calling thread; the
//! test process runs many tests on many threads, so code under test that
//! forks must never run there. A probe runs it instead in a fresh,
//! single-threaded process: `netkit probe MODULE::NAME ARGS…`, started by
//! [`crate::harness::probe`]. The probe prints what the test should check
//! as lines of stdout (`key value`), and exits non-zero on failure, with the
//! reason (or the code under test's panic) on stderr.
//!
//! Before a probe runs, the process makes itself a *child subreaper*: any
//! grandchild orphaned by the code under test is re-parented to the probe,
//! not to init, so [`procfs`] can still see it and report it.
//!
//! Each chapter-2 exercise that forks has a module here with one function,
//! `run(probe, args)`, that dispatches on the probe's name.

pub mod copy_dir;
pub mod fork_basics;
pub mod frame_pipe;
pub mod mixed_model;
pub mod parallel_primes;
pub mod prime_sum;
pub mod process_queue;
pub mod procfs;
pub mod reaper;
pub mod split_file;

use anyhow::{Context, bail};

/// `netkit probe MODULE::NAME [ARGS…]`
#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// Which probe, e.g. `reaper::reap_all`.
    pub name: String,
    /// Its arguments.
    #[arg(allow_hyphen_values = true, trailing_var_arg = true)]
    pub args: Vec<String>,
}

/// Runs the named probe in this process. Whatever happens (the code under
/// test panics or fails half-way), the probe leaves no child behind: it kills
/// and reaps every child it still has before it ends.
pub fn run(args: ProbeArgs) -> anyhow::Result<()> {
    nix::sys::prctl::set_child_subreaper(true).context("becoming a child subreaper")?;
    let outcome = std::panic::catch_unwind(|| dispatch(&args));
    clear_children();
    match outcome {
        Ok(result) => result,
        // The panic hook has printed the message on stderr already; exit as
        // a panicking `main` would.
        Err(_) => std::process::exit(101),
    }
}

fn dispatch(args: &ProbeArgs) -> anyhow::Result<()> {
    let Some((module, probe)) = args.name.split_once("::") else {
        bail!("a probe is named MODULE::NAME, not {:?}", args.name);
    };
    let rest = &args.args;
    match module {
        "copy_dir" => copy_dir::run(probe, rest),
        "fork_basics" => fork_basics::run(probe, rest),
        "frame_pipe" => frame_pipe::run(probe, rest),
        "mixed_model" => mixed_model::run(probe, rest),
        "parallel_primes" => parallel_primes::run(probe, rest),
        "prime_sum" => prime_sum::run(probe, rest),
        "process_queue" => process_queue::run(probe, rest),
        "reaper" => reaper::run(probe, rest),
        "split_file" => split_file::run(probe, rest),
        _ => bail!("no probe module {module:?}"),
    }
}

/// Kills and reaps every child of this process, and the orphans that come to
/// it as their parents die (it is a subreaper), so that a probe whose code
/// under test failed leaves neither a stray process nor a zombie. A test has
/// read the probe's own report (`children N`) before this runs.
fn clear_children() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    // Each round kills one generation; orphans of the next are adopted by us.
    for _ in 0..100 {
        let children = procfs::my_children();
        if children.is_empty() {
            return;
        }
        for child in children {
            let pid = Pid::from_raw(child.pid);
            let _ = kill(pid, Signal::SIGKILL);
            let _ = nix::sys::wait::waitpid(pid, None);
        }
    }
}

/// The error for a probe name its module does not know.
pub fn unknown(module: &str, probe: &str) -> anyhow::Error {
    anyhow::anyhow!("the probe module {module} has no probe {probe:?}")
}
