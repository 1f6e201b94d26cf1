//! # Exercise `http-request`: an incremental HTTP request parser (book: ch4/http-request.md)
//!
//! An HTTP/1.1 request (RFC 9112) is a request line, header lines, an empty
//! line, then as many body bytes as `Content-Length` says. A socket hands
//! them over in reads of any size: one byte, or three pipelined requests at
//! once. So the parser keeps the bytes it was given ([`Parser::feed`]) and
//! says, each time it is asked ([`Parser::next_request`]), either "here is a
//! whole request", "not yet", or which rule the bytes broke.
//!
//! - [`Parser`]: the bytes so far, and the requests in them, one at a time.
//! - [`Request`], [`Version`], [`Header`]: what a request holds.
//! - [`ParseError`]: each broken rule, and its status code ([`ParseError::status`]).

// ANCHOR: limits
/// The longest request line, CRLF not counted. Longer: 414 URI Too Long.
pub const MAX_REQUEST_LINE: usize = 8192;

/// The most bytes of header lines, from the first to the empty line that
/// ends them, CRLFs included. More: 431.
pub const MAX_HEADER_BYTES: usize = 8192;

/// The most header lines in one request. More: 431.
pub const MAX_HEADERS: usize = 64;
// ANCHOR_END: limits

// ANCHOR: request
/// HTTP/1.0 or HTTP/1.1, the two versions this parser takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

/// One header field: the name as sent (its case kept), the value with the
/// spaces and tabs around it removed. A value is bytes: it may hold
/// obs-text (bytes 0x80 to 0xFF), which need not be UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: Vec<u8>,
}

/// A whole request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// As sent: `/index.html?x=1`, `http://host/`, `*`, `host:443`.
    pub target: String,
    pub version: Version,
    /// In the order they came.
    pub headers: Vec<Header>,
    /// Exactly `Content-Length` bytes; empty without one.
    pub body: Vec<u8>,
}

impl Request {
    /// The value of the first header called `name`, whatever the case of
    /// either (`content-length` is `Content-Length`).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        // TODO: the first header whose name equals `name`, ignoring ASCII case.
        todo!(
            "the value of the header {name:?} (book: ch4/http-request.md, \"What a request holds\")"
        )
    }
}
// ANCHOR_END: request

// ANCHOR: errors
/// A rule of RFC 9112 the bytes broke. After one, the connection cannot be
/// trusted to be in step any more: answer with [`ParseError::status`] and
/// close it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the request line is not `method SP target SP version`, with single spaces")]
    BadRequestLine,
    #[error("the method is not a token")]
    BadMethod,
    #[error("the target is not in origin, absolute, authority or asterisk form")]
    BadTarget,
    #[error("the version is not `HTTP/` digit `.` digit")]
    BadVersion,
    #[error("a line ends with a bare LF, not CRLF")]
    BareLf,
    #[error("a header line starts with a space or a tab (obsolete line folding)")]
    LineFolding,
    #[error("whitespace between a header's name and its colon")]
    SpaceBeforeColon,
    #[error("a header line has no colon, or its name is not a token")]
    BadHeader,
    #[error("a header value holds a control byte (NUL, CR, DEL…)")]
    BadHeaderValue,
    #[error("an HTTP/1.1 request needs exactly one Host header")]
    BadHost,
    #[error("Content-Length is not digits, or two of them differ")]
    BadContentLength,
    #[error("both Transfer-Encoding and Content-Length: the body's length is ambiguous")]
    TransferEncodingWithContentLength,
    #[error("Transfer-Encoding (chunked bodies) is not implemented")]
    TransferEncodingNotImplemented,
    #[error("the request line is over {MAX_REQUEST_LINE} bytes")]
    RequestLineTooLong,
    #[error("the header lines are over {MAX_HEADER_BYTES} bytes")]
    HeadersTooLarge,
    #[error("more than {MAX_HEADERS} header lines")]
    TooManyHeaders,
    #[error("only HTTP/1.0 and HTTP/1.1 are served")]
    VersionNotSupported,
}

impl ParseError {
    /// The status code that answers it: 400, 414, 431, 501 or 505.
    pub fn status(&self) -> u16 {
        // TODO: the status code of each error, from the page's table.
        todo!(
            "the status code that answers {self:?} (book: ch4/http-request.md, \"The rules and their status codes\")"
        )
    }
}
// ANCHOR_END: errors

// ANCHOR: parser
/// The bytes received so far on one connection, and the requests in them.
#[derive(Debug, Default)]
pub struct Parser {
    // TODO: the bytes received and not yet used, and whether an error was
    // found (each later call gives it again).
}

impl Parser {
    /// A parser with nothing received yet.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Adds bytes as they came from the socket: any number, cut anywhere.
    pub fn feed(&mut self, bytes: &[u8]) {
        // TODO: keep them (unless an error was found already).
        let _ = bytes;
    }

    /// The next whole request, removed from the bytes (what follows it stays
    /// for the next call); `Ok(None)` while it is not whole yet; or the rule
    /// it broke, as soon as the bytes so far prove it, and the same error on
    /// every later call.
    pub fn next_request(&mut self) -> Result<Option<Request>, ParseError> {
        // TODO: the request line (its limit first), the header lines up to
        // the empty one (their limits first), then Content-Length's bytes.
        todo!(
            "http-request: the next request in the bytes fed so far (book: ch4/http-request.md, \"Your task\")"
        )
    }
}
// ANCHOR_END: parser
