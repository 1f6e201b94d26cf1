//! # Exercise `serve-image`: an image for a browser (book: ch4/serve-image.md)
//!
//! The seed's exercise: a browser asks for a page, and the server answers
//! with an image. One client at a time, as the seed does (an iterative
//! server): read one whole request with [`Parser`](super::http_request::Parser),
//! answer it with a [`Response`](super::http_response::Response) whose
//! `Content-Type` says what the bytes are, then close the connection.
//!
//! - [`content_type`]: the media type of an image file, by its extension.
//! - [`serve`]: the server: accept, read a request, answer, close, and again.

use super::http_request::{Parser, Request};
use super::http_response::Response;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

// ANCHOR: timeout
/// How long one client may take to send its request, and then to take the
/// answer, before the server gives up on it (the runner's default).
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);
// ANCHOR_END: timeout

// ANCHOR: content_type
/// The `Content-Type` of the file at `path`, from its extension, whatever
/// its case: `image/jpeg` (jpg, jpeg), `image/png`, `image/gif`,
/// `image/webp`, `image/svg+xml` (svg), and `application/octet-stream`
/// ("some bytes") for anything else.
pub fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}
// ANCHOR_END: content_type

// ANCHOR: serve
/// Serves the image at `image`, one client at a time, until `accept` fails.
///
/// For each connection: read ONE whole request (feed the parser what each
/// `read` gives until it has a request; a client gets `timeout` in all to
/// send it), answer, and close. `GET /` and `GET /NAME` (NAME the image's
/// file name; a query after `?` ignored, an absolute-form target
/// `http://host/NAME` the same) get the image, with its [`content_type`];
/// `HEAD` the same head without the body; another path 404; another method
/// 405 with `Allow: GET, HEAD`; a malformed request its
/// [`ParseError::status`](super::http_request::ParseError::status). Every
/// answer says `Connection: close`. What goes wrong with one client (it
/// stops sending, resets, breaks the rules) ends only that connection: the
/// next client is served.
pub fn serve(listener: TcpListener, image: &Path, timeout: Duration) -> io::Result<()> {
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            // A client that gave up while waiting in the queue: not ours to fix.
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
            Err(e) => return Err(e),
        };
        // One client's trouble is that client's: say it, serve the next.
        if let Err(e) = serve_one(stream, image, timeout) {
            eprintln!("serve-image: a client: {e}");
        }
    }
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: serve_one
/// One connection: one request, one answer, then the close.
fn serve_one(mut stream: TcpStream, image: &Path, timeout: Duration) -> io::Result<()> {
    let deadline = Instant::now() + timeout;
    let response = match read_request(&mut stream, deadline) {
        Ok(Some(Ok(request))) => Some(answer(&request, image)),
        // A broken rule: its status, and the rule in the body.
        Ok(Some(Err(e))) => Some((text(e.status(), &format!("{e}\n")), false)),
        // The client closed before a whole request: nobody to answer.
        Ok(None) => None,
        // It stopped sending: 408 Request Timeout (it may not be listening).
        Err(e) if is_timeout(&e) => Some((text(408, "no whole request in time\n"), false)),
        Err(e) => return Err(e),
    };
    if let Some((response, head_only)) = response {
        // An iterative server serves no one else while it holds this
        // connection, so it never keeps it: `Connection: close`.
        stream.set_write_timeout(Some(remaining(deadline + timeout)))?;
        stream.write_all(&response.to_bytes(head_only, false, SystemTime::now()))?;
    }
    linger(stream, deadline + timeout)
}
// ANCHOR_END: serve_one

// ANCHOR: read_request
/// Reads until the parser has a whole request: `Some(Ok(request))`, or
/// `Some(Err(rule))` as soon as the bytes break one; `None` when the client
/// closed first; a timeout error when `deadline` passes first.
fn read_request(
    stream: &mut TcpStream,
    deadline: Instant,
) -> io::Result<Option<Result<Request, super::http_request::ParseError>>> {
    let mut parser = Parser::new();
    let mut buffer = [0u8; 4096];
    loop {
        match parser.next_request() {
            Ok(Some(request)) => return Ok(Some(Ok(request))),
            Ok(None) => {}
            Err(e) => return Ok(Some(Err(e))),
        }
        // The deadline is for the whole request: a client that sends a
        // byte now and then must not hold the server forever either.
        stream.set_read_timeout(Some(remaining(deadline)))?;
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Ok(None);
        }
        parser.feed(&buffer[..n]);
    }
}
// ANCHOR_END: read_request

// ANCHOR: answer
/// The answer to a whole request, and whether it is the head only (HEAD).
fn answer(request: &Request, image: &Path) -> (Response, bool) {
    let head_only = request.method == "HEAD";
    if request.method != "GET" && !head_only {
        let mut response = text(405, "only GET and HEAD\n");
        response
            .headers
            .push(("Allow".to_string(), "GET, HEAD".to_string()));
        return (response, false);
    }
    // An absolute-form target (`http://host/x`, RFC 9112 3.2.2) names the
    // path `/x`; then the path goes without its query (`/?x=1` is `/`).
    let origin = match request.target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |at| &rest[at..]),
        None => request.target.as_str(),
    };
    let path = origin.split('?').next().unwrap_or("");
    let name = image.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if path != "/" && path.strip_prefix('/') != Some(name) {
        return (
            text(404, "not found: only / and the image are here\n"),
            head_only,
        );
    }
    let response = match std::fs::read(image) {
        Ok(bytes) => Response {
            status: 200,
            headers: vec![("Content-Type".to_string(), content_type(image).to_string())],
            // The same body for HEAD: its Content-Length is the GET's.
            body: bytes,
        },
        Err(e) => text(500, &format!("cannot read the image: {e}\n")),
    };
    (response, head_only)
}
// ANCHOR_END: answer

/// A response with a short plain-text body.
fn text(status: u16, body: &str) -> Response {
    Response {
        status,
        headers: vec![(
            "Content-Type".to_string(),
            "text/plain; charset=utf-8".to_string(),
        )],
        body: body.as_bytes().to_vec(),
    }
}

/// Closes after the answer without losing it: unread bytes at `close` make
/// the kernel send a reset, which may destroy the answer in the client's
/// buffer before it is read. So: our half closed first, then what the
/// client still sends is read and dropped, until it closes or `deadline`.
fn linger(mut stream: TcpStream, deadline: Instant) -> io::Result<()> {
    stream.shutdown(Shutdown::Write)?;
    let mut buffer = [0u8; 4096];
    loop {
        stream.set_read_timeout(Some(remaining(deadline)))?;
        match stream.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            // Gone or too slow: the answer was sent, that is all we owe.
            Err(_) => return Ok(()),
        }
    }
}

/// The time left until `deadline`; at least a millisecond, because a zero
/// timeout is refused by `set_read_timeout`.
fn remaining(deadline: Instant) -> Duration {
    deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1))
}

/// Whether a read failed because its timeout passed (Linux says
/// `WouldBlock`, EAGAIN, for a socket's timeout).
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
