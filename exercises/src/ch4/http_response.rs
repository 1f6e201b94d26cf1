//! # Exercise `http-response`: building an HTTP response (book: ch4/http-response.md)
//!
//! A response is a status line, header fields, an empty line, then the body.
//! The server writes three fields itself, because only it can get them
//! right: `Date`, `Content-Length` (the body's exact length, so the client
//! knows where the response ends) and `Connection` (whether it stays open,
//! decided by [`keep_alive`] from the request's version and its own
//! `Connection` field). An answer to `HEAD` is the head a `GET` would get,
//! without the body.
//!
//! - [`reason`]: the reason phrase of a status code.
//! - [`imf_fixdate`]: a time as HTTP writes it, `Sun, 06 Nov 1994 08:49:37 GMT`.
//! - [`keep_alive`]: whether the connection stays open after the answer.
//! - [`Response::to_bytes`]: the whole response, as it goes on the wire.

use std::time::{SystemTime, UNIX_EPOCH};

// ANCHOR: types
/// The request's version, which decides whether a connection is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

/// A response before it is written: the server fills the status, its own
/// header fields (Content-Type, Allow…) and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Fields other than Date, Content-Length and Connection, which
    /// [`Response::to_bytes`] writes itself.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}
// ANCHOR_END: types

// ANCHOR: reason
/// The reason phrase of RFC 9110 for `status`, or `""` for a code it does
/// not name (the phrase is for people; programs read the code).
pub fn reason(status: u16) -> &'static str {
    // TODO: the phrase of each code the page's table lists; "" otherwise.
    todo!("the reason phrase of status {status} (book: ch4/http-response.md, \"The status line\")")
}
// ANCHOR_END: reason

// ANCHOR: imf_fixdate
/// `time` as the IMF-fixdate of RFC 9110 5.6.7, always in GMT and always 29
/// bytes: `Sun, 06 Nov 1994 08:49:37 GMT`. Fractions of a second are
/// dropped; a time before 1970 is written as 1970's first second.
pub fn imf_fixdate(time: SystemTime) -> String {
    // TODO: seconds since UNIX_EPOCH, then days and the time of day, then
    // the date of those days, the weekday, and the fixed format.
    let _ = (time, UNIX_EPOCH);
    todo!("{time:?} as an IMF-fixdate (book: ch4/http-response.md, \"Date\")")
}
// ANCHOR_END: imf_fixdate

// ANCHOR: keep_alive
/// Whether the connection stays open after this answer (RFC 9112 9.3):
/// `connection` is the request's Connection field, a comma-separated list
/// whose options ignore case. `close` closes, in either version. Otherwise
/// HTTP/1.1 keeps the connection, and HTTP/1.0 keeps it only when it asked
/// with `keep-alive`.
pub fn keep_alive(version: Version, connection: Option<&[u8]>) -> bool {
    // TODO: `close` in the list closes; otherwise 1.1 keeps, 1.0 only with
    // `keep-alive`.
    todo!(
        "keep the connection of a {version:?} request with Connection {connection:?}? (book: ch4/http-response.md, \"Keeping the connection\")"
    )
}
// ANCHOR_END: keep_alive

// ANCHOR: to_bytes
impl Response {
    /// The response as it goes on the wire: `HTTP/1.1 STATUS REASON`, then
    /// `Date: ` [`imf_fixdate`]`(now)`, `Content-Length` (the body's length
    /// in bytes; none for 1xx and 204, which have no body), `Connection:
    /// keep-alive` or `Connection: close` as `keep` says, then
    /// `self.headers` in order, each line ending in CRLF, the empty line,
    /// and the body. For a `HEAD` (`head_only`), the same head, with the
    /// Content-Length a GET would get, and no body.
    pub fn to_bytes(&self, head_only: bool, keep: bool, now: SystemTime) -> Vec<u8> {
        // TODO: the status line, Date, Content-Length, Connection, the
        // caller's headers, the empty line, then the body unless head_only.
        todo!(
            "the bytes of {self:?} (head only: {head_only}, keep: {keep}, at {now:?}) (book: ch4/http-response.md, \"Your task\")"
        )
    }
}
// ANCHOR_END: to_bytes
