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

use super::process_queue::{self, MAX_CAPACITY, QueueError, Sender};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};
use std::fs::{self, File};
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
    let read_error = |source| CopyError::ReadSource {
        path: folder.to_path_buf(),
        source,
    };
    let mut entries = Vec::new();
    for entry in fs::read_dir(folder).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        // `file_type` describes the entry itself: a link is a link, not the
        // file it points to.
        let file_type = entry.file_type().map_err(read_error)?;
        let name = entry
            .file_name()
            .into_string()
            .map_err(|raw| CopyError::NameNotUtf8 {
                name: raw.to_string_lossy().into_owned(),
            })?;
        entries.push((name, file_type));
    }
    // read_dir's order is whatever the file system keeps: sort, so that the
    // answer (and the first refusal) is the same every time.
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut names = Vec::with_capacity(entries.len());
    for (name, file_type) in entries {
        if !file_type.is_file() {
            return Err(CopyError::NotARegularFile {
                name,
                what: describe(&file_type),
            });
        }
        names.push(name);
    }
    Ok(names)
}
// ANCHOR_END: list_files

// ANCHOR: copy_file
/// Copies the file `from` to the new file `to` and returns how many bytes
/// it copied. Never overwrites: when `to` exists, fails with
/// `io::ErrorKind::AlreadyExists` and leaves it alone. When the copy fails
/// after `to` was created, removes `to`: no partial file is left.
pub fn copy_file(from: &Path, to: &Path) -> io::Result<u64> {
    let mut source = File::open(from)?;
    // create_new: the check "does it exist?" and the creation are one step,
    // so no other process can slip a file in between.
    let mut copy = File::create_new(to)?;
    match io::copy(&mut source, &mut copy) {
        Ok(bytes) => Ok(bytes),
        Err(e) => {
            drop(copy);
            // Half a file looks like a whole one to whoever finds it later.
            // If even the removal fails, the copy's error is the one to tell.
            let _ = fs::remove_file(to);
            Err(e)
        }
    }
}
// ANCHOR_END: copy_file

// ANCHOR: copy_in_child
/// A child's whole job: copies `from/name` to `to/name` ([`copy_file`]),
/// then puts the [`Outcome`] into the queue. Returns the child's exit code:
/// 0 when the copy was made and reported, 1 otherwise.
pub fn copy_in_child(from: &Path, to: &Path, name: &str, sender: &mut Sender) -> i32 {
    let outcome = match copy_file(&from.join(name), &to.join(name)) {
        Ok(bytes) => Outcome::Copied {
            name: name.to_string(),
            bytes,
        },
        Err(e) => Outcome::Failed {
            name: name.to_string(),
            why: e.to_string(),
        },
    };
    match (sender.put(&outcome.to_message()), &outcome) {
        (Ok(()), Outcome::Copied { .. }) => 0,
        (Ok(()), Outcome::Failed { .. }) => 1,
        // Nobody heard us: the parent will see that we said nothing, and
        // will not keep a copy that it was never told about.
        (Err(e), _) => {
            eprintln!("copy-dir: {name}: could not report to the parent: {e}");
            1
        }
    }
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
    let names = list_files(from)?;
    // create_dir fails when `to` exists: the check and the creation are one
    // step. (create_dir_all would happily reuse an existing folder.)
    fs::create_dir(to).map_err(|source| match source.kind() {
        io::ErrorKind::AlreadyExists => CopyError::DestinationExists {
            path: to.to_path_buf(),
        },
        _ => CopyError::CreateDestination {
            path: to.to_path_buf(),
            source,
        },
    })?;
    if names.is_empty() {
        return Ok(Vec::new());
    }

    // Made before the forks, so that every child inherits the sender.
    let (mut sender, mut receiver) = process_queue::queue(names.len().min(MAX_CAPACITY))?;
    let mut copied = Vec::new();
    let mut failed: Vec<(String, String)> = Vec::new();
    let mut children: Vec<(Pid, &str)> = Vec::new();

    for name in &names {
        // SAFETY: the caller promises a single-threaded process, so the child
        // is a complete copy of the only thread: no lock in it is held by a
        // thread that did not come along. The child never returns into our
        // caller's code: it ends in `_exit`, whatever happens.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                // The child only puts: closing its copy of the receiver lets
                // the senders see "receiver gone" if the parent dies.
                drop(receiver);
                // A panic must not unwind out of here and run the parent's
                // loop a second time, in the child.
                let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    copy_in_child(from, to, name, &mut sender)
                }))
                .unwrap_or(101);
                // _exit, not exit: no atexit handlers, and no second flush of
                // output buffered by the parent before the fork.
                // SAFETY: _exit ends the process at once; it is always sound.
                unsafe { libc::_exit(code) }
            }
            Ok(ForkResult::Parent { child }) => children.push((child, name.as_str())),
            Err(e) => {
                let why = format!("could not start a process: {e}");
                on_done(&Outcome::Failed {
                    name: name.clone(),
                    why: why.clone(),
                });
                failed.push((name.clone(), why));
            }
        }
    }
    // The parent puts nothing. While it held a sender, the queue could never
    // be "disconnected", and the loop below would wait for ever.
    drop(sender);

    // One message per child, in the order the copies finished, until every
    // child has closed its sender (by exiting).
    let mut reported: Vec<String> = Vec::new();
    let mut queue_error = None;
    loop {
        match receiver.get() {
            Ok(message) => {
                // Our own children send only well-formed outcomes; anything
                // else is skipped, and its child counts as silent below.
                let Some(outcome) = Outcome::from_message(&message) else {
                    continue;
                };
                on_done(&outcome);
                reported.push(outcome.name().to_string());
                match outcome {
                    Outcome::Copied { name, .. } => copied.push(name),
                    Outcome::Failed { name, why } => failed.push((name, why)),
                }
            }
            Err(QueueError::Disconnected) => break,
            Err(e) => {
                queue_error = Some(e);
                break;
            }
        }
    }
    // Children still trying to put now see "receiver gone" and exit.
    drop(receiver);

    // Reap every child, so none is left a zombie (僵尸进程). A child that
    // died without a word failed; its copy may be half made.
    for (pid, name) in children {
        let status = loop {
            match waitpid(pid, None) {
                Err(nix::errno::Errno::EINTR) => continue,
                other => break other,
            }
        };
        if reported.iter().any(|r| r == name) {
            continue;
        }
        let why = match status {
            Ok(WaitStatus::Signaled(_, signal, _)) => {
                format!("its process was killed by {signal} before reporting")
            }
            Ok(WaitStatus::Exited(_, code)) => {
                format!("its process exited with code {code} without reporting")
            }
            Ok(other) => format!("its process ended without reporting ({other:?})"),
            Err(e) => format!("its process could not be waited for: {e}"),
        };
        on_done(&Outcome::Failed {
            name: name.to_string(),
            why: why.clone(),
        });
        failed.push((name.to_string(), why));
    }
    // Whatever a failed child left behind is not a copy: remove it.
    for (name, _) in &failed {
        let _ = fs::remove_file(to.join(name));
    }

    if let Some(e) = queue_error {
        return Err(e.into());
    }
    if !failed.is_empty() {
        return Err(CopyError::CopiesFailed { copied, failed });
    }
    Ok(copied)
}
// ANCHOR_END: copy_dir
