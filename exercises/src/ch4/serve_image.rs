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

use std::io;
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

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
    // TODO: the extension (`path.extension()`), in lower case, matched
    // against the page's table.
    todo!(
        "the Content-Type of {} (book: ch4/serve-image.md, \"Content-Type\")",
        path.display()
    )
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
    // TODO: for each accepted stream: a read timeout, then read and
    // `feed` until `next_request` gives a request (or an error, or the
    // time is up); build the Response; write `to_bytes(head_only, false,
    // now)`; close. An error with one client is printed, not returned.
    let _ = listener;
    todo!(
        "serve {} to one client at a time, {timeout:?} for each (book: ch4/serve-image.md, \"Your task\")",
        image.display()
    )
}
// ANCHOR_END: serve
