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

use super::fork_basics::{Exit, ProcessError};
use nix::unistd::Pid;
use std::io::{self, Read, Seek, Write};
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
    // TODO: seek to `start`; then, while bytes are left, read at most
    // min(left, CHUNK) bytes into one buffer made before the loop, write what
    // was read, and count it. A read of 0 bytes before the end is an error.
    let _ = (src, dst);
    todo!("copy {len} bytes from byte {start} on, one chunk at a time (book: ch2/split-file.md)")
}
// ANCHOR_END: copy_range

// ANCHOR: write_half
/// One child's whole job: opens `src` itself, creates (or truncates) `dst`,
/// and copies `len` bytes from `start` into it with [`copy_range`].
///
/// If the copy fails after `dst` was created, removes `dst`: no partial half
/// is left behind.
pub fn write_half(src: &Path, start: u64, len: u64, dst: &Path) -> io::Result<()> {
    // TODO: open `src` here (not in the parent: see the book), create `dst`,
    // copy_range; if the copy fails, remove `dst` before returning the error.
    todo!(
        "copy {len} bytes of {} from byte {start} into {} (book: ch2/split-file.md)",
        src.display(),
        dst.display()
    )
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
    // TODO: the file's size (fs::metadata; SplitError::Source if that fails
    // or it is not a file), the two paths (half_paths), then spawn BOTH
    // children (each runs write_half and returns 0 or 1), and only then
    // wait_for both. If one failed, remove the other's half and return
    // SplitError::HalfFailed.
    todo!(
        "split {} into two halves in {} with two processes (book: ch2/split-file.md)",
        path.display(),
        out_dir.display()
    )
}
// ANCHOR_END: split
