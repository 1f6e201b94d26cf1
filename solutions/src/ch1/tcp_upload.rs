//! # Exercise `tcp-upload`: uploading a file over TCP (book: ch1/tcp-upload.md)
//!
//! A client sends one file to a server, which saves it into a folder. The
//! seed's version ended the file with a `##` marker, which breaks on binary
//! data, and wrote wherever the client's file name pointed. This one is sound.
//! The header line and its checks are the exercise before this one, in
//! [`upload_header`](super::upload_header).
//!
//! ## The protocol
//!
//! One upload per connection:
//!
//! ```text
//! client → server   UPLOAD <size> <name>\n      the header line, at most 1024 bytes
//!                   <exactly size bytes>        the file's content, any bytes at all
//!                   (end of file)               the client closes its writing half
//! server → client   OK <size>\n                 the file is saved under <name>
//!              or   ERR <reason>\n              nothing was saved
//! ```
//!
//! - The end of the content is known twice: the size says how many bytes to
//!   expect, and the closed writing half (`shutdown(Write)`) says the client
//!   sent everything. End of file before `size` bytes is a broken upload (a
//!   killed client looks just like that); more bytes than `size` is refused.
//! - A name that already exists in the folder is refused with `ERR exists`:
//!   an upload never replaces a file.
//! - The server writes into a temporary file in the target folder and renames
//!   it to `<name>` only when the upload is complete: a failed upload leaves
//!   no file behind, and nothing is ever written outside the folder.

use super::upload_header::{HeaderError, MAX_HEADER, check_name, read_header};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

// ANCHOR: types
/// How many bytes the server reads from the network at a time.
pub const CHUNK: usize = 64 * 1024;

/// How long either side waits for the other to send something before giving
/// up: a silent client must not hold the (one-at-a-time) server forever.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Everything that can go wrong with an upload. The server sends the
/// `Display` text after `ERR `; the last four happen only to the client.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The header line is wrong (its text is the [`HeaderError`]'s own:
    /// `bad header: …` or `bad name …`).
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The client closed its writing half before sending `expected` bytes.
    #[error("incomplete: got {got} of {expected} bytes")]
    Incomplete { got: u64, expected: u64 },
    /// More bytes came after the `expected` ones.
    #[error("more data than declared: expected {expected} bytes")]
    TooMuchData { expected: u64 },
    /// A file of that name is already in the folder; it is left untouched.
    #[error("exists: {0}")]
    Exists(String),
    /// Writing the file failed on the server.
    #[error("disk error: {0}")]
    Disk(io::Error),
    /// The connection failed (refused, reset, timed out).
    #[error("network error: {0}")]
    Network(io::Error),
    /// The client could not read the file it was asked to upload.
    #[error("cannot read {}: {error}", path.display())]
    LocalFile { path: PathBuf, error: io::Error },
    /// The server answered `ERR <reason>`.
    #[error("the server refused the upload: {0}")]
    Refused(String),
    /// The server's answer was neither `OK <size>` nor `ERR <reason>`.
    #[error("unexpected reply from the server: {0}")]
    BadReply(String),
}
// ANCHOR_END: types

// ANCHOR: receive
/// Receives one upload from `stream` into the folder `dir`, and returns the
/// number of bytes saved. Reads the header ([`read_header`]); refuses a name
/// that already exists in `dir`; streams exactly `size` bytes, [`CHUNK`] by
/// [`CHUNK`], into a temporary file in `dir`; then requires end of file; then
/// saves the file to disk and renames it to its name, never replacing one.
/// Any error leaves `dir` as it was: no file, no temporary file.
///
/// Errors: those of [`read_header`] (as [`UploadError::Header`]); [`UploadError::Exists`];
/// [`UploadError::Incomplete`]; [`UploadError::TooMuchData`];
/// [`UploadError::Disk`]; [`UploadError::Network`].
pub fn receive(stream: &mut TcpStream, dir: &Path) -> Result<u64, UploadError> {
    let mut reader = BufReader::with_capacity(CHUNK, stream);
    let header = read_header(&mut reader)?;

    // `check_name` made sure this path is directly inside `dir`.
    let target = dir.join(&header.name);
    // Refuse early, before the client sends megabytes for nothing. The
    // rename below is what really protects an existing file.
    if target.exists() {
        return Err(UploadError::Exists(header.name));
    }

    // In the same folder, so that the rename below stays on one file system
    // (where a rename is atomic). Dropping it deletes it: every early return
    // from here on cleans up by itself.
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(UploadError::Disk)?;

    // Stream the content CHUNK bytes at a time: memory use stays the same
    // for a 1 KiB file and a 50 GiB one.
    let mut buf = vec![0u8; CHUNK];
    let mut got: u64 = 0;
    while got < header.size {
        // Never ask for more than what is left of the content.
        let want = (header.size - got).min(CHUNK as u64) as usize;
        let n = reader
            .read(&mut buf[..want])
            .map_err(UploadError::Network)?;
        if n == 0 {
            // End of file too early: the client stopped, or was killed.
            return Err(UploadError::Incomplete {
                got,
                expected: header.size,
            });
        }
        temp.write_all(&buf[..n]).map_err(UploadError::Disk)?;
        got += n as u64;
    }
    // The client must now close its writing half: one more read returns 0
    // at end of file; anything else is more than it declared.
    if reader.read(&mut buf[..1]).map_err(UploadError::Network)? != 0 {
        return Err(UploadError::TooMuchData {
            expected: header.size,
        });
    }

    // "OK" promises the file is saved: push it to the disk before renaming.
    temp.as_file().sync_all().map_err(UploadError::Disk)?;
    // Rename it to its real name, unless that name appeared meanwhile.
    match temp.persist_noclobber(&target) {
        Ok(_) => Ok(header.size),
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => {
            Err(UploadError::Exists(header.name))
        }
        Err(e) => Err(UploadError::Disk(e.error)),
    }
}
// ANCHOR_END: receive

// ANCHOR: serve
/// Serves uploads into `dir`, one connection after the other, forever: for
/// each client, sets a read timeout of [`TIMEOUT`], runs [`receive`], replies
/// `OK <size>\n` or `ERR <reason>\n` (the error's text), logs the outcome to
/// stderr, and closes the connection. A bad client never stops the server.
///
/// Returns only when `accept` fails.
pub fn serve(listener: TcpListener, dir: &Path) -> io::Result<()> {
    loop {
        let (mut stream, peer) = listener.accept()?;
        // Without a timeout, a client that connects and says nothing would
        // hold this one-at-a-time server forever.
        if let Err(e) = stream.set_read_timeout(Some(TIMEOUT)) {
            eprintln!("{peer}: cannot set a timeout: {e}");
            continue;
        }
        let reply = match receive(&mut stream, dir) {
            Ok(size) => {
                eprintln!("{peer}: saved {size} bytes");
                format!("OK {size}\n")
            }
            Err(e) => {
                eprintln!("{peer}: refused: {e}");
                format!("ERR {e}\n")
            }
        };
        // The client may be gone already; that is its problem, not ours.
        if let Err(e) = stream.write_all(reply.as_bytes()) {
            eprintln!("{peer}: could not send the reply: {e}");
        }
        // Dropping `stream` closes the connection; on to the next client.
    }
}
// ANCHOR_END: serve

// ANCHOR: upload
/// Uploads the file at `file` to the server at `server`, under the file's own
/// name, and returns the size the server confirmed. Sends the header line,
/// then the content (streamed, never whole in memory), then closes the
/// writing half; then reads the one-line reply.
///
/// Errors: [`UploadError::Header`] (a bad name) when the file's name breaks the rules
/// (checked before connecting); [`UploadError::LocalFile`];
/// [`UploadError::Network`]; [`UploadError::Refused`] with the reason the
/// server gave after `ERR `; [`UploadError::BadReply`].
pub fn upload(server: SocketAddr, file: &Path) -> Result<u64, UploadError> {
    let local = |error| UploadError::LocalFile {
        path: file.to_path_buf(),
        error,
    };
    let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
        return Err(HeaderError::BadName {
            name: file.display().to_string(),
            why: "not a UTF-8 file name",
        }
        .into());
    };
    check_name(name)?;
    let mut source = File::open(file).map_err(local)?;
    let metadata = source.metadata().map_err(local)?;
    if !metadata.is_file() {
        return Err(local(io::Error::other("not a regular file")));
    }
    let size = metadata.len();

    let mut stream = TcpStream::connect(server).map_err(UploadError::Network)?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .map_err(UploadError::Network)?;
    let sent = stream
        .write_all(format!("UPLOAD {size} {name}\n").as_bytes())
        // Exactly `size` bytes, even if the file grows meanwhile; `io::copy`
        // streams them through a small buffer.
        .and_then(|()| io::copy(&mut (&mut source).take(size), &mut stream));
    // The end of the upload: the server reads end of file. Reading still
    // works, so the reply can come back.
    let _ = stream.shutdown(Shutdown::Write);

    // Read the reply even if sending failed: a server that refused early
    // (a name that exists) closes while we send, and its reply says why.
    let mut reply = Vec::new();
    let read = BufReader::new(&stream)
        .take(MAX_HEADER as u64)
        .read_until(b'\n', &mut reply);
    let reply = String::from_utf8_lossy(&reply);
    let reply = reply.trim_end_matches('\n');
    if let Some(reason) = reply.strip_prefix("ERR ") {
        return Err(UploadError::Refused(reason.to_string()));
    }
    sent.map_err(UploadError::Network)?;
    read.map_err(UploadError::Network)?;
    match reply.strip_prefix("OK ").map(str::parse::<u64>) {
        Some(Ok(saved)) if saved == size => Ok(saved),
        _ if reply.is_empty() => Err(UploadError::BadReply(
            "the server closed the connection without a reply".to_string(),
        )),
        _ => Err(UploadError::BadReply(format!(
            "{reply:?} after sending {size} bytes"
        ))),
    }
}
// ANCHOR_END: upload
