//! # Exercise `copy-dir`: copying a folder, one process per file (book: ch2/copy-dir.md)
//!
//! The seed's classroom exercise (随堂练习): copy every file of a folder, each
//! one by its own process, and list the names in the order the copies
//! *finished*. The children tell the parent through the queue of
//! [`process_queue`](super::process_queue): one message each, when their copy
//! is over.
//!
//! - [`list_files`]: the regular files of a folder, or a refusal.
//! - [`copy_file`]: one copy that never overwrites and leaves no partial file.
//! - [`copy_in_child`]: what each child does, start to end.
//! - [`copy_dir`]: the parent: fork one child per file, listen, reap.
//!
//! Only regular files are copied. A folder holding anything else (a
//! subfolder, a symbolic link, a named pipe) is refused before anything is
//! created: copying a named pipe would wait for ever for a writer, and
//! following links could copy files from outside the folder.

use super::process_queue::{QueueError, Sender};
use std::fs;
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

// ANCHOR: outcome
/// What a child reports when its copy is over: one queue message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The file was copied whole: `bytes` bytes.
    Copied { name: String, bytes: u64 },
    /// The copy failed, and no partial file was left; `why` says what failed.
    Failed { name: String, why: String },
}

impl Outcome {
    /// The name of the file this outcome is about (given).
    pub fn name(&self) -> &str {
        match self {
            Outcome::Copied { name, .. } | Outcome::Failed { name, .. } => name,
        }
    }

    /// The queue message for this outcome (given): `copied`, the name and
    /// the size, or `failed`, the name and the reason, separated by NUL
    /// bytes. A file name can hold any byte but NUL and `/`, so the NULs
    /// cannot be confused with a name.
    pub fn to_message(&self) -> Vec<u8> {
        match self {
            Outcome::Copied { name, bytes } => format!("copied\0{name}\0{bytes}"),
            Outcome::Failed { name, why } => format!("failed\0{name}\0{why}"),
        }
        .into_bytes()
    }

    /// Reads a message made by [`Outcome::to_message`] (given); `None` if it
    /// is not one.
    pub fn from_message(message: &[u8]) -> Option<Outcome> {
        let text = std::str::from_utf8(message).ok()?;
        let mut parts = text.splitn(3, '\0');
        let (kind, name, rest) = (parts.next()?, parts.next()?, parts.next()?);
        let name = name.to_string();
        match kind {
            "copied" => Some(Outcome::Copied {
                name,
                bytes: rest.parse().ok()?,
            }),
            "failed" => Some(Outcome::Failed {
                name,
                why: rest.to_string(),
            }),
            _ => None,
        }
    }
}
// ANCHOR_END: outcome

// ANCHOR: error
/// Why [`copy_dir`] did not copy the whole folder.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The source folder could not be listed (it does not exist, or is not a folder).
    #[error("cannot list the folder {}: {source}", path.display())]
    ReadSource { path: PathBuf, source: io::Error },
    /// The source folder holds something else than a regular file.
    #[error("{name:?} is {what}: only regular files are copied")]
    NotARegularFile { name: String, what: &'static str },
    /// A file name is not UTF-8 (shown here with the bad bytes replaced).
    #[error("the file name {name:?} is not UTF-8")]
    NameNotUtf8 { name: String },
    /// The destination already exists: nothing is ever overwritten.
    #[error("{} already exists: copy-dir never overwrites anything", path.display())]
    DestinationExists { path: PathBuf },
    /// The destination folder could not be created.
    #[error("cannot create the folder {}: {source}", path.display())]
    CreateDestination { path: PathBuf, source: io::Error },
    /// The queue could not be made or read.
    #[error("the queue between the processes failed: {0}")]
    Queue(#[from] QueueError),
    /// Some copies failed (and left no partial file); the others were made.
    #[error("{} of {} copies failed: {}", failed.len(), copied.len() + failed.len(), failures(failed))]
    CopiesFailed {
        /// The files copied, in the order their copies finished.
        copied: Vec<String>,
        /// The files not copied, each with the reason.
        failed: Vec<(String, String)>,
    },
}

/// `a (why), b (why)` for [`CopyError::CopiesFailed`]'s message.
fn failures(failed: &[(String, String)]) -> String {
    let parts: Vec<String> = failed
        .iter()
        .map(|(name, why)| format!("{name:?} ({why})"))
        .collect();
    parts.join(", ")
}
// ANCHOR_END: error

// ANCHOR: describe
/// What a directory entry is, in words, for [`CopyError::NotARegularFile`] (given).
pub fn describe(file_type: &fs::FileType) -> &'static str {
    if file_type.is_file() {
        "a regular file"
    } else if file_type.is_dir() {
        "a folder"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_fifo() {
        "a named pipe (FIFO)"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "a device"
    } else {
        "not a regular file"
    }
}
// ANCHOR_END: describe

// ANCHOR: list_files
/// The names of the files in `folder`, sorted. Every entry must be a regular
/// file, looked at without following symbolic links.
///
/// Errors: [`CopyError::ReadSource`] when the folder cannot be listed;
/// [`CopyError::NotARegularFile`] (with [`describe`]'s words) for the first
/// entry, in name order, that is anything else; [`CopyError::NameNotUtf8`].
pub fn list_files(folder: &Path) -> Result<Vec<String>, CopyError> {
    // TODO: read_dir the folder; for each entry take its file_type() (which
    // does not follow links) and its name as a String; sort by name; refuse
    // the first entry that is not a regular file.
    todo!(
        "list the regular files of {} (book: ch2/copy-dir.md)",
        folder.display()
    )
}
// ANCHOR_END: list_files

// ANCHOR: copy_file
/// Copies the file `from` to the new file `to` and returns how many bytes
/// it copied. Never overwrites: when `to` exists, fails with
/// `io::ErrorKind::AlreadyExists` and leaves it alone. When the copy fails
/// after `to` was created, removes `to`: no partial file is left.
pub fn copy_file(from: &Path, to: &Path) -> io::Result<u64> {
    // TODO: open the source, create the copy with File::create_new, io::copy
    // one into the other; if the copy fails, remove the new file before
    // returning the error.
    todo!(
        "copy {} to the new file {} (book: ch2/copy-dir.md)",
        from.display(),
        to.display()
    )
}
// ANCHOR_END: copy_file

// ANCHOR: copy_in_child
/// A child's whole job: copies `from/name` to `to/name` ([`copy_file`]),
/// then puts the [`Outcome`] into the queue. Returns the child's exit code:
/// 0 when the copy was made and reported, 1 otherwise.
pub fn copy_in_child(from: &Path, to: &Path, name: &str, sender: &mut Sender) -> i32 {
    // TODO: copy_file from/name to to/name; turn the result into an Outcome;
    // put its message into the queue; choose the exit code.
    let _ = sender;
    todo!(
        "copy {name:?} from {} to {} and report it (book: ch2/copy-dir.md)",
        from.display(),
        to.display()
    )
}
// ANCHOR_END: copy_in_child

// ANCHOR: copy_dir
/// Copies every file of the folder `from` into the new folder `to`, each
/// file by a child process of its own, started all at once. Calls `on_done`
/// with each [`Outcome`] as it arrives, and returns the names of the files
/// copied, in the order their copies finished. Reaps every child before it
/// returns, whatever happens.
///
/// Call it from a single-threaded process only: it forks.
///
/// Errors, in this order: [`list_files`]' refusals (nothing is created);
/// [`CopyError::DestinationExists`] when `to` exists (it is left alone);
/// [`CopyError::CreateDestination`]; [`CopyError::Queue`];
/// [`CopyError::CopiesFailed`] when a copy failed (its child reported
/// failure, or said nothing and died): no partial file of it is left in `to`,
/// and the other files are copied.
pub fn copy_dir(
    from: &Path,
    to: &Path,
    mut on_done: impl FnMut(&Outcome),
) -> Result<Vec<String>, CopyError> {
    // TODO: list the files; create `to`; make a queue; fork one child per
    // file (the child drops its receiver, runs copy_in_child and _exits);
    // drop the parent's sender; get outcomes until Disconnected, calling
    // on_done; drop the receiver; waitpid every child (a silent one failed);
    // remove what failed children left in `to`.
    let _ = &mut on_done;
    todo!(
        "copy the folder {} to {}, one process per file (book: ch2/copy-dir.md)",
        from.display(),
        to.display()
    )
}
// ANCHOR_END: copy_dir
