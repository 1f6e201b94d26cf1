//! # Exercise `ftp-server`: the file server (book: ch3/ftp-server.md)
//!
//! The seed's file server, done right: a pool of worker threads serves the
//! clients of one folder, the *root*, over the protocol of
//! [`ftp_protocol`](super::ftp_protocol). A client may list the root's files,
//! download one, upload one, as often as it likes on one connection.
//!
//! - [`list_files`]: the regular files of the root, sorted, and nothing else.
//! - [`serve_client`]: one connection's requests, until Quit, the end, an
//!   error that loses the frames' step, or the idle timeout.
//! - [`serve`]: the workers, the bounded queue, and the accept loop.
//!
//! Nothing outside the root is read or written: every name passes
//! `check_name` (in `read_request`), downloads are opened with `O_NOFOLLOW`,
//! and uploads go to a hidden temporary file in the root, renamed to their
//! name only when complete, never over an existing file.

use super::ftp_protocol::{
    CHUNK, ProtocolError, Reply, Request, Status, check_name, copy_exact, read_request, write_reply,
};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::mpsc::{Receiver, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

// ANCHOR: options
/// The first bytes of the name of an upload in progress: a hidden name, so
/// [`list_files`] never shows it and no client can ask for it.
pub const TEMP_PREFIX: &str = ".upload-";

/// How the server is sized.
#[derive(Debug, Clone)]
pub struct Options {
    /// Worker threads, started once (at least 1): at most this many clients
    /// are served at a time.
    pub workers: usize,
    /// Accepted connections that may wait for a worker; one more is sent
    /// [`Status::Busy`] and closed.
    pub queue: usize,
    /// The longest a client may keep its worker waiting for its next bytes
    /// (or for room to send it bytes); then it is dropped.
    pub idle_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            workers: 16,
            queue: 16,
            idle_timeout: Duration::from_secs(30),
        }
    }
}
// ANCHOR_END: options

// ANCHOR: list_files
/// The names of the regular files directly in `root`, sorted (by their
/// bytes). Not listed: folders, symbolic links (whatever they point to),
/// anything else that is not a regular file, and names that break
/// `check_name` (hidden ones, the temporary files of uploads among them).
/// Each entry is looked at with `symlink_metadata`, which does not follow a
/// link. Errors: reading the folder failed.
pub fn list_files(root: &Path) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(root)? {
        let entry = entry?;
        // A name that is not UTF-8 cannot be asked for: leave it out.
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if check_name(&name).is_err() {
            continue;
        }
        // `DirEntry::metadata` does not follow symlinks either; the entry may
        // be gone already (an upload renamed meanwhile), so skip errors.
        match fs::symlink_metadata(entry.path()) {
            Ok(meta) if meta.file_type().is_file() => names.push(name),
            _ => {}
        }
    }
    names.sort();
    Ok(names)
}
// ANCHOR_END: list_files

/// One reply, with its status and size.
fn reply(
    stream: &TcpStream,
    status: Status,
    size: u64,
    message: impl Into<String>,
) -> io::Result<()> {
    let reply = Reply {
        status,
        size,
        message: message.into(),
    };
    write_reply(&mut &*stream, &reply)
}

/// Opens the regular file `name` of `root` for reading, without following a
/// symbolic link (`O_NOFOLLOW`: a link fails with `ELOOP`) and without
/// waiting on a FIFO (`O_NONBLOCK`, harmless on a file); then requires a
/// regular file, from the open file itself, so that nothing can be swapped
/// in between the look and the open.
fn open_regular(root: &Path, name: &str) -> io::Result<Option<(File, u64)>> {
    let opened = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(root.join(name));
    let file = match opened {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Ok(None);
    }
    Ok(Some((file, meta.len())))
}

// ANCHOR: serve_client
/// Serves the requests of one client on `stream`, in order, until it sends
/// Quit or ends the stream cleanly (then `Ok(())`), or until the stream is
/// lost (then the error): an error that leaves the frames out of step (a
/// frame over the limit gets its [`Status::TooLong`] first), a failed read
/// or write, or no byte for `idle_timeout` (reads and writes both time out).
///
/// - List: `Ok` with the size of the listing, then the listing: each name of
///   [`list_files`] followed by `\n`.
/// - Get: `NotFound` unless the name is a regular file of the root, opened
///   without following a symlink; else `Ok` with its size, then exactly that
///   many bytes, [`CHUNK`] at a time.
/// - Put: `Exists` if the name is taken (a symlink too); else `Ready`, then
///   exactly `size` bytes into a temporary file in the root named
///   [`TEMP_PREFIX`]…, synced, then renamed to the name without replacing
///   anything: `Ok` with the size, or `Exists` if the name was taken
///   meanwhile. A failed upload leaves no file, temporary or not.
/// - A malformed frame or a bad name: its status (`BadRequest`, `BadName`)
///   and the next request. A disk error: `ServerError`.
pub fn serve_client(stream: &TcpStream, root: &Path, idle_timeout: Duration) -> io::Result<()> {
    stream.set_read_timeout(Some(idle_timeout))?;
    stream.set_write_timeout(Some(idle_timeout))?;
    // Buffered reads: a frame's prefix and payload in one system call. The
    // bytes of an upload are read through the same buffer.
    let mut reader = BufReader::with_capacity(CHUNK, stream);
    loop {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()),
            Err(e) if e.in_sync() => {
                reply(stream, e.status(), 0, e.to_string())?;
                continue;
            }
            Err(ProtocolError::Io(e)) => return Err(e),
            Err(e) => {
                // Out of step: say why, if the client still listens, and go.
                let _ = reply(stream, e.status(), 0, e.to_string());
                return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string()));
            }
        };
        match request {
            Request::Quit => return Ok(()),
            Request::List => match list_files(root) {
                Ok(names) => {
                    let listing: String = names.iter().map(|n| format!("{n}\n")).collect();
                    reply(stream, Status::Ok, listing.len() as u64, "")?;
                    (&mut &*stream).write_all(listing.as_bytes())?;
                }
                Err(e) => reply(stream, Status::ServerError, 0, format!("cannot list: {e}"))?,
            },
            Request::Get { name } => match open_regular(root, &name) {
                Ok(Some((mut file, size))) => {
                    reply(stream, Status::Ok, size, "")?;
                    // Exactly the size announced: if the file shrank meanwhile,
                    // copy_exact fails, and the connection is dropped rather
                    // than left out of step.
                    copy_exact(&mut file, &mut &*stream, size)?;
                }
                Ok(None) => reply(stream, Status::NotFound, 0, format!("no file named {name}"))?,
                Err(e) => reply(
                    stream,
                    Status::ServerError,
                    0,
                    format!("cannot read {name}: {e}"),
                )?,
            },
            Request::Put { name, size } => receive(stream, &mut reader, root, &name, size)?,
        }
    }
}
// ANCHOR_END: serve_client

// ANCHOR: receive
/// An upload: `Ready`, the bytes into a temporary file, then the rename.
/// Returns an error only when the connection is lost (its bytes did not all
/// come): then the temporary file is deleted (dropping it does that) and
/// nothing is replied.
fn receive(
    stream: &TcpStream,
    reader: &mut BufReader<&TcpStream>,
    root: &Path,
    name: &str,
    size: u64,
) -> io::Result<()> {
    let target = root.join(name);
    // symlink_metadata, not exists(): a dangling symlink "does not exist"
    // for exists(), but its name is taken. This look only saves the client
    // a useless upload; the rename below is what really refuses.
    if fs::symlink_metadata(&target).is_ok() {
        return reply(stream, Status::Exists, 0, format!("{name} exists already"));
    }
    let temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(root);
    let mut temp = match temp {
        Ok(temp) => temp,
        Err(e) => return reply(stream, Status::ServerError, 0, format!("cannot store: {e}")),
    };
    reply(stream, Status::Ready, size, "")?;
    // A client that stops half way makes this fail: `temp` is dropped on the
    // way out, and deleted with it.
    copy_exact(reader, temp.as_file_mut(), size)?;
    if let Err(e) = temp.as_file().sync_all() {
        return reply(stream, Status::ServerError, 0, format!("cannot store: {e}"));
    }
    // persist_noclobber: on Linux, renameat2 with RENAME_NOREPLACE (or
    // link() then unlink() where that is missing): the name is taken in one
    // step, or refused if it exists, even if another upload just took it.
    // On failure the error hands the temporary file back; `e.error` keeps
    // only the reason, so the file is deleted here, before the reply: a
    // client told "Exists" finds no trace of its upload.
    let renamed = temp
        .persist_noclobber(&target)
        .map(drop)
        .map_err(|e| e.error);
    match renamed {
        Ok(()) => reply(stream, Status::Ok, size, format!("saved {name}")),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            reply(stream, Status::Exists, 0, format!("{name} exists already"))
        }
        Err(e) => reply(stream, Status::ServerError, 0, format!("cannot store: {e}")),
    }
}
// ANCHOR_END: receive

/// A connection accepted and not yet served, with its peer's address.
type Accepted = (TcpStream, SocketAddr);

// ANCHOR: serve
/// Starts `options.workers` threads, then accepts clients on `listener` for
/// ever, as the pool server does: each connection goes into a queue of at
/// most `options.queue`; when it is full, the new connection gets
/// [`Status::Busy`] and is closed at once. Each worker runs
/// [`serve_client`] for one connection at a time, and logs its end to
/// stderr. Nothing a client sends can stop the server.
///
/// Errors: `InvalidInput` when `workers` is 0 or `root` is not a folder; a
/// worker that cannot be started; `accept` failing.
pub fn serve(listener: TcpListener, root: &Path, options: &Options) -> io::Result<()> {
    if options.workers == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a pool needs at least one worker",
        ));
    }
    if !root.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a folder", root.display()),
        ));
    }
    let (to_workers, from_acceptor) = sync_channel::<Accepted>(options.queue);
    let from_acceptor = Arc::new(Mutex::new(from_acceptor));
    for n in 1..=options.workers {
        let from_acceptor = Arc::clone(&from_acceptor);
        let root = root.to_path_buf();
        let idle = options.idle_timeout;
        thread::Builder::new()
            .name(format!("worker {n}"))
            .spawn(move || work(&from_acceptor, &root, idle))?;
    }
    loop {
        let (stream, peer) = listener.accept()?;
        match to_workers.try_send((stream, peer)) {
            Ok(()) => {}
            Err(TrySendError::Full((stream, peer))) => turn_away(&stream, peer),
            Err(TrySendError::Disconnected(_)) => {
                return Err(io::Error::other("every worker has stopped"));
            }
        }
    }
}
// ANCHOR_END: serve

/// A worker: the next connection from the queue, served to its end, then
/// the next. The lock is let go before the client is served.
fn work(from_acceptor: &Mutex<Receiver<Accepted>>, root: &Path, idle: Duration) {
    loop {
        let next = from_acceptor
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        let Ok((stream, peer)) = next else {
            return;
        };
        match serve_client(&stream, root, idle) {
            Ok(()) => eprintln!("ftp-server: {peer}: done"),
            Err(e) => eprintln!("ftp-server: {peer}: dropped: {e}"),
        }
    }
}

/// Tells a new client that the server is full, without waiting (the socket
/// is made non-blocking: its send buffer is empty, so the frame fits), and
/// closes the connection.
fn turn_away(stream: &TcpStream, peer: SocketAddr) {
    let told = stream.set_nonblocking(true).and_then(|()| {
        reply(
            stream,
            Status::Busy,
            0,
            "every worker is busy: try again later",
        )
    });
    if let Err(e) = told {
        eprintln!("ftp-server: {peer}, turned away: {e}");
    }
}
