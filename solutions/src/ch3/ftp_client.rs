//! # Exercise `ftp-client`: the file client (book: ch3/ftp-client.md)
//!
//! The client of the chapter's file server, over the protocol of
//! [`ftp_protocol`](super::ftp_protocol): one [`Connection`] is one session
//! of requests. A download lands like an upload does on the server: in a
//! hidden temporary file of the target folder, renamed only when complete,
//! and never over an existing file unless asked.
//!
//! - [`Connection::connect`], [`Connection::list`], [`Connection::get`],
//!   [`Connection::put`], [`Connection::quit`]: one request each.
//! - [`menu`]: the seed's menu (1 list, 2 download, 3 upload, 4 quit), read
//!   from any input, printed to any output.

use super::ftp_protocol::{
    NameError, ProtocolError, Reply, Request, Status, check_name, copy_exact, read_reply,
    write_request,
};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

// ANCHOR: types
/// How long the client waits for the server: to connect, and for each read
/// or write.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The longest listing the client accepts from a server: a hostile server
/// cannot make it allocate more.
pub const MAX_LISTING: u64 = 1 << 20;

/// The first bytes of a download in progress: hidden, like the server's
/// uploads.
pub const DOWNLOAD_PREFIX: &str = ".download-";

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The name breaks the protocol's rules: nothing was sent.
    #[error("bad name: {0}")]
    BadName(NameError),
    /// `get` would replace this local file, and `force` was not given.
    #[error("{} exists already (use --force to replace it)", .0.display())]
    LocalExists(PathBuf),
    /// A local file could not be read or written.
    #[error("{}: {error}", path.display())]
    LocalFile { path: PathBuf, error: io::Error },
    /// The server answered with this status (NotFound, Exists, Busy…).
    #[error("the server refused: {status:?}: {message}")]
    Refused { status: Status, message: String },
    /// The server's answer broke the protocol.
    #[error("bad reply from the server: {0}")]
    BadReply(String),
    /// Connecting, sending or receiving failed.
    #[error("network error: {0}")]
    Network(#[from] io::Error),
}

// Not `#[from]` on `BadName`: that would make the name's error its source
// too, and a report of the whole chain (`{:#}`) would say it twice.
impl From<NameError> for ClientError {
    fn from(error: NameError) -> Self {
        ClientError::BadName(error)
    }
}

impl From<ProtocolError> for ClientError {
    fn from(e: ProtocolError) -> Self {
        match e {
            ProtocolError::Io(e) => ClientError::Network(e),
            other => ClientError::BadReply(other.to_string()),
        }
    }
}

/// One session with the server.
#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}
// ANCHOR_END: types

impl Connection {
    // ANCHOR: connect
    /// Connects to `server` within [`TIMEOUT`], and bounds every later read
    /// and write by it.
    pub fn connect(server: SocketAddr) -> Result<Connection, ClientError> {
        let stream = TcpStream::connect_timeout(&server, TIMEOUT)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_write_timeout(Some(TIMEOUT))?;
        let reader = BufReader::new(stream.try_clone()?);
        Ok(Connection { stream, reader })
    }
    // ANCHOR_END: connect

    /// Sends `request`, then reads the reply; a status other than `expected`
    /// is [`ClientError::Refused`].
    fn ask(&mut self, request: &Request, expected: Status) -> Result<Reply, ClientError> {
        write_request(&mut self.stream, request)?;
        let reply = read_reply(&mut self.reader)?;
        if reply.status != expected {
            return Err(ClientError::Refused {
                status: reply.status,
                message: reply.message,
            });
        }
        Ok(reply)
    }

    // ANCHOR: list
    /// The names of the server's files: a List, an `Ok` with the listing's
    /// size (at most [`MAX_LISTING`], or [`ClientError::BadReply`]), then
    /// that many bytes, one name per line.
    pub fn list(&mut self) -> Result<Vec<String>, ClientError> {
        let reply = self.ask(&Request::List, Status::Ok)?;
        if reply.size > MAX_LISTING {
            return Err(ClientError::BadReply(format!(
                "a listing of {} bytes, over {MAX_LISTING}",
                reply.size
            )));
        }
        let mut listing = Vec::new();
        copy_exact(&mut self.reader, &mut listing, reply.size)?;
        Ok(String::from_utf8_lossy(&listing)
            .lines()
            .map(str::to_string)
            .collect())
    }
    // ANCHOR_END: list

    // ANCHOR: get
    /// Downloads `name` into the folder `dir`, and returns its size. Checks
    /// the name, and refuses an existing `dir/name` unless `force`, before
    /// sending anything. Streams the bytes into a hidden temporary file in
    /// `dir` ([`DOWNLOAD_PREFIX`]…), syncs it, then renames it to `name`:
    /// without replacing anything, or replacing the old file if `force`.
    /// Any error leaves `dir` as it was.
    pub fn get(&mut self, name: &str, dir: &Path, force: bool) -> Result<u64, ClientError> {
        check_name(name)?;
        let target = dir.join(name);
        if !force && std::fs::symlink_metadata(&target).is_ok() {
            return Err(ClientError::LocalExists(target));
        }
        let local = |error| ClientError::LocalFile {
            path: target.clone(),
            error,
        };
        let reply = self.ask(
            &Request::Get {
                name: name.to_string(),
            },
            Status::Ok,
        )?;
        let mut temp = tempfile::Builder::new()
            .prefix(DOWNLOAD_PREFIX)
            .tempfile_in(dir)
            .map_err(local)?;
        // A server that stops half way makes this fail; the dropped temp
        // file deletes itself.
        copy_exact(&mut self.reader, temp.as_file_mut(), reply.size)?;
        temp.as_file().sync_all().map_err(local)?;
        let renamed = if force {
            temp.persist(&target).map(drop)
        } else {
            temp.persist_noclobber(&target).map(drop)
        };
        match renamed.map_err(|e| e.error) {
            Ok(()) => Ok(reply.size),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                Err(ClientError::LocalExists(target))
            }
            Err(e) => Err(local(e)),
        }
    }
    // ANCHOR_END: get

    // ANCHOR: put
    /// Uploads the regular file `file` under its base name, and returns the
    /// size the server saved. Checks the name and opens the file before
    /// sending anything; sends Put with the size, and the bytes only after
    /// `Ready`, [`CHUNK`](super::ftp_protocol::CHUNK) at a time; then reads
    /// the final reply.
    pub fn put(&mut self, file: &Path) -> Result<u64, ClientError> {
        let local = |error| ClientError::LocalFile {
            path: file.to_path_buf(),
            error,
        };
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or(NameError::Empty)?;
        check_name(name)?;
        let mut source = File::open(file).map_err(local)?;
        let meta = source.metadata().map_err(local)?;
        if !meta.is_file() {
            return Err(local(io::Error::other("not a regular file")));
        }
        let size = meta.len();
        self.ask(
            &Request::Put {
                name: name.to_string(),
                size,
            },
            Status::Ready,
        )?;
        // Exactly `size` bytes: a file that shrank meanwhile fails here
        // (the server then drops the upload), one that grew is cut.
        copy_exact(&mut source, &mut self.stream, size).map_err(local)?;
        let reply = read_reply(&mut self.reader)?;
        match reply.status {
            Status::Ok => Ok(reply.size),
            status => Err(ClientError::Refused {
                status,
                message: reply.message,
            }),
        }
    }
    // ANCHOR_END: put

    // ANCHOR: quit
    /// Sends Quit and closes the connection.
    pub fn quit(self) -> Result<(), ClientError> {
        write_request(&mut &self.stream, &Request::Quit)?;
        Ok(())
    }
    // ANCHOR_END: quit
}

// ANCHOR: menu
/// The seed's menu, for a person: prints the four choices and `choice: `,
/// reads a line from `input`; `1` prints the names (or `(no files)`), `2`
/// asks `file to download: ` and saves it into `dir` (never replacing a
/// file), `3` asks `file to upload: `, `4` or the end of `input` sends Quit
/// and returns. Anything else prints `please choose 1, 2, 3 or 4`. A
/// refusal or a local error is printed as one line and the menu goes on; a
/// lost connection (a network error, a bad reply) ends it with that error.
pub fn menu(
    server: SocketAddr,
    dir: &Path,
    input: &mut impl BufRead,
    output: &mut impl Write,
) -> Result<(), ClientError> {
    let mut connection = Connection::connect(server)?;
    loop {
        writeln!(output)?;
        writeln!(output, "1. list files (查看文件)")?;
        writeln!(output, "2. download a file (下载文件)")?;
        writeln!(output, "3. upload a file (上传文件)")?;
        writeln!(output, "4. quit (退出)")?;
        let Some(choice) = ask(input, output, "choice: ")? else {
            break;
        };
        let outcome = match choice.as_str() {
            "1" => connection.list().map(|names| {
                if names.is_empty() {
                    "(no files)".to_string()
                } else {
                    names.join("\n")
                }
            }),
            "2" => match ask(input, output, "file to download: ")? {
                Some(name) => connection
                    .get(&name, dir, false)
                    .map(|size| format!("saved {name} ({size} bytes)")),
                None => break,
            },
            "3" => match ask(input, output, "file to upload: ")? {
                Some(path) => connection
                    .put(Path::new(&path))
                    .map(|size| format!("uploaded {path} ({size} bytes)")),
                None => break,
            },
            "4" => break,
            _ => Ok("please choose 1, 2, 3 or 4".to_string()),
        };
        match outcome {
            Ok(text) => writeln!(output, "{text}")?,
            Err(e @ (ClientError::Network(_) | ClientError::BadReply(_))) => return Err(e),
            Err(e) => writeln!(output, "{e}")?,
        }
        output.flush()?;
    }
    writeln!(output, "bye (谢谢使用)")?;
    output.flush()?;
    connection.quit()
}
// ANCHOR_END: menu

/// Prints `prompt`, reads one line; `None` at the end of `input`.
fn ask(
    input: &mut impl BufRead,
    output: &mut impl Write,
    prompt: &str,
) -> io::Result<Option<String>> {
    write!(output, "{prompt}")?;
    output.flush()?;
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim().to_string()))
}
