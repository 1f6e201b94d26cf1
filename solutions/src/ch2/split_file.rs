//! # Exercise `split-file`: splitting a file in two (book: ch2/split-file.md)
//!
//! The seed's big-file split (大文件拆分): two child processes write the top
//! and the bottom half of a file at the same time. Each child opens the file
//! itself and copies its half in fixed-size chunks, so the file is never read
//! whole, however big it is.
//!
//! - [`copy_range`]: copy `len` bytes from `start`, one chunk at a time.
//! - [`write_half`]: one child's whole job: open the file, create the half, copy.
//! - [`split`]: start both children, wait for both, keep both halves or neither.
//!
//! It starts its children with `spawn` and waits with `wait_for`, from the
//! exercise `fork-basics` (`super::fork_basics`).

use super::fork_basics::{Exit, ProcessError, spawn, wait_for};
use nix::unistd::Pid;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

// ANCHOR: chunk
/// The most bytes [`copy_range`] reads at a time: its memory use, whatever
/// the size of the file.
pub const CHUNK: usize = 64 * 1024;
// ANCHOR_END: chunk

// ANCHOR: half
/// One half of the split file, as written by one child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Half {
    /// Where it was written.
    pub path: PathBuf,
    /// How many bytes it holds.
    pub len: u64,
    /// The pid of the child process that wrote it.
    pub writer: Pid,
}
// ANCHOR_END: half

// ANCHOR: error
/// Why [`split`] failed. When it fails, it leaves no half behind.
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    /// The file to split cannot be read (it does not exist, it is a folder, …).
    #[error("cannot split {}: {source}", path.display())]
    Source {
        /// The file given to split.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// A child could not be started, or waited for.
    #[error(transparent)]
    Process(#[from] ProcessError),
    /// A child did not succeed (it printed why on stderr), so no half was kept.
    #[error("the process writing the {half} half {exit}; no half was kept")]
    HalfFailed {
        /// `"top"` or `"bottom"`.
        half: &'static str,
        /// How that child ended.
        exit: Exit,
    },
}
// ANCHOR_END: error

// ANCHOR: half_paths
/// Where the two halves of `path` go: `OUT_DIR/NAME.top` and
/// `OUT_DIR/NAME.bottom`, where NAME is the file name of `path`.
pub fn half_paths(path: &Path, out_dir: &Path) -> Result<(PathBuf, PathBuf), SplitError> {
    let Some(name) = path.file_name() else {
        return Err(SplitError::Source {
            path: path.to_path_buf(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"),
        });
    };
    let named = |suffix: &str| {
        let mut file_name = name.to_os_string();
        file_name.push(suffix);
        out_dir.join(file_name)
    };
    Ok((named(".top"), named(".bottom")))
}
// ANCHOR_END: half_paths

// ANCHOR: copy_range
/// Copies `len` bytes of `src`, starting at byte `start`, to `dst`: seeks to
/// `start`, then reads at most [`CHUNK`] bytes at a time and writes each piece
/// before reading the next, so memory use does not grow with `len`.
///
/// A read may return fewer bytes than asked for; keep reading. Fails with
/// `io::ErrorKind::UnexpectedEof` if `src` ends before `len` bytes were copied.
pub fn copy_range<R: Read + Seek, W: Write>(
    src: &mut R,
    start: u64,
    len: u64,
    dst: &mut W,
) -> io::Result<()> {
    src.seek(SeekFrom::Start(start))?;
    // One buffer for the whole copy: this is all the memory the copy needs.
    let mut buf = vec![0u8; CHUNK];
    let mut left = len;
    while left > 0 {
        // Never ask for more than is left: the next bytes belong to the other half.
        let want = left.min(CHUNK as u64) as usize;
        let n = match src.read(&mut buf[..want]) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the file ended {left} bytes too early"),
                ));
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        dst.write_all(&buf[..n])?;
        left -= n as u64;
    }
    dst.flush()
}
// ANCHOR_END: copy_range

// ANCHOR: write_half
/// One child's whole job: opens `src` itself, creates (or truncates) `dst`,
/// and copies `len` bytes from `start` into it with [`copy_range`].
///
/// If the copy fails after `dst` was created, removes `dst`: no partial half
/// is left behind.
pub fn write_half(src: &Path, start: u64, len: u64, dst: &Path) -> io::Result<()> {
    // Our own open file, with our own offset. A file opened by the parent
    // before the fork would be shared: both children would move one offset.
    let mut input = File::open(src)?;
    let mut output = File::create(dst)?;
    if let Err(e) = copy_range(&mut input, start, len, &mut output) {
        drop(output);
        // We created it, so it is ours to remove; it holds only part of the half.
        let _ = fs::remove_file(dst);
        return Err(e);
    }
    Ok(())
}
// ANCHOR_END: write_half

// ANCHOR: split
/// Splits the file at `path` into two files in `out_dir` (see
/// [`half_paths`]): the top half holds its first `size / 2` bytes, the bottom
/// half the rest, so that the two concatenated are the file, byte for byte.
///
/// Two child processes (from [`spawn`](super::fork_basics::spawn)) write
/// the halves *at the same time*: both are started before either is waited
/// for. Each runs [`write_half`]; a child that fails prints why on stderr
/// and exits with code 1.
///
/// All or nothing: if either child fails, the half the other one wrote is
/// removed too, and `split` returns the error.
pub fn split(path: &Path, out_dir: &Path) -> Result<(Half, Half), SplitError> {
    let source_error = |source| SplitError::Source {
        path: path.to_path_buf(),
        source,
    };
    let metadata = fs::metadata(path).map_err(source_error)?;
    if !metadata.is_file() {
        return Err(source_error(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let size = metadata.len();
    let (top_path, bottom_path) = half_paths(path, out_dir)?;
    let middle = size / 2;

    // What each child runs: its half, and an exit code that says how it went.
    let child = |start: u64, len: u64, dst: &Path| match write_half(path, start, len, dst) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("split-file: writing {}: {e}", dst.display());
            1
        }
    };

    let top = spawn(|| child(0, middle, &top_path))?;
    let bottom = match spawn(|| child(middle, size - middle, &bottom_path)) {
        Ok(pid) => pid,
        Err(e) => {
            // The top child is running: wait for it (no zombie), drop its half.
            if wait_for(top).is_ok_and(|exit| exit.success()) {
                let _ = fs::remove_file(&top_path);
            }
            return Err(e.into());
        }
    };
    // Both children are running now; wait for both before deciding anything.
    let top_exit = wait_for(top)?;
    let bottom_exit = wait_for(bottom)?;

    if !(top_exit.success() && bottom_exit.success()) {
        // All or nothing. A child that failed removed its own partial file;
        // a half written completely is no use alone, so remove it too.
        if top_exit.success() {
            let _ = fs::remove_file(&top_path);
        }
        if bottom_exit.success() {
            let _ = fs::remove_file(&bottom_path);
        }
        let (half, exit) = if top_exit.success() {
            ("bottom", bottom_exit)
        } else {
            ("top", top_exit)
        };
        return Err(SplitError::HalfFailed { half, exit });
    }
    Ok((
        Half {
            path: top_path,
            len: middle,
            writer: top,
        },
        Half {
            path: bottom_path,
            len: size - middle,
            writer: bottom,
        },
    ))
}
// ANCHOR_END: split
