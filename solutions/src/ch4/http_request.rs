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
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_slice())
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
        match self {
            ParseError::RequestLineTooLong => 414,
            ParseError::HeadersTooLarge | ParseError::TooManyHeaders => 431,
            ParseError::TransferEncodingNotImplemented => 501,
            ParseError::VersionNotSupported => 505,
            _ => 400,
        }
    }
}
// ANCHOR_END: errors

// ANCHOR: parser
/// The bytes received so far on one connection, and the requests in them.
#[derive(Debug, Default)]
pub struct Parser {
    buffer: Vec<u8>,
    failed: Option<ParseError>,
}

impl Parser {
    /// A parser with nothing received yet.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Adds bytes as they came from the socket: any number, cut anywhere.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.failed.is_none() {
            self.buffer.extend_from_slice(bytes);
        }
    }

    /// The next whole request, removed from the bytes (what follows it stays
    /// for the next call); `Ok(None)` while it is not whole yet; or the rule
    /// it broke, as soon as the bytes so far prove it, and the same error on
    /// every later call.
    pub fn next_request(&mut self) -> Result<Option<Request>, ParseError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        match self.parse() {
            Ok(Some((request, used))) => {
                // Only this request's bytes go: a pipelined next one stays.
                self.buffer.drain(..used);
                Ok(Some(request))
            }
            Ok(None) => Ok(None),
            Err(e) => {
                self.failed = Some(e);
                self.buffer.clear();
                Err(e)
            }
        }
    }
    // ANCHOR_END: parser

    /// One request from the start of the buffer, and how many bytes it took.
    /// Read again from the start at each call: a head is at most some 16 KiB.
    fn parse(&mut self) -> Result<Option<(Request, usize)>, ParseError> {
        // RFC 9112 2.2: empty lines before a request line are ignored.
        while self.buffer.starts_with(b"\r\n") {
            self.buffer.drain(..2);
        }
        let buf = &self.buffer[..];

        // The request line. Its limit is checked before its bytes, so that
        // the answer is the same whether the line came whole or in pieces.
        let Some(line_end) = find_lf(buf, 0, MAX_REQUEST_LINE + 2) else {
            return if buf.len() >= MAX_REQUEST_LINE + 2 {
                Err(ParseError::RequestLineTooLong)
            } else {
                Ok(None)
            };
        };
        let line = crlf_line(buf, 0, line_end)?;
        if line.len() > MAX_REQUEST_LINE {
            return Err(ParseError::RequestLineTooLong);
        }
        let (method, target, version) = request_line(line)?;

        // The header lines, up to the empty one.
        let headers_start = line_end + 1;
        let mut start = headers_start;
        let mut headers = Vec::new();
        let head_end = loop {
            let limit = headers_start + MAX_HEADER_BYTES;
            let Some(end) = find_lf(buf, start, limit.saturating_sub(start)) else {
                return if buf.len() >= limit {
                    Err(ParseError::HeadersTooLarge)
                } else {
                    Ok(None)
                };
            };
            let line = crlf_line(buf, start, end)?;
            start = end + 1;
            if line.is_empty() {
                break start;
            }
            if headers.len() == MAX_HEADERS {
                return Err(ParseError::TooManyHeaders);
            }
            headers.push(header_line(line)?);
        };

        let body_len = body_length(version, &headers)?;
        if buf.len() < head_end + body_len {
            return Ok(None);
        }
        let body = buf[head_end..head_end + body_len].to_vec();
        let request = Request {
            method,
            target,
            version,
            headers,
            body,
        };
        Ok(Some((request, head_end + body_len)))
    }
}

/// Where the next LF is, looking at no more than `within` bytes from `start`.
fn find_lf(buf: &[u8], start: usize, within: usize) -> Option<usize> {
    let end = buf.len().min(start + within);
    buf.get(start..end)?
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| start + i)
}

/// The line from `start` to the LF at `lf`, without its CRLF. A LF without
/// its CR is refused: a parser that takes one and a proxy that does not
/// would not agree where the request ends (request smuggling).
fn crlf_line(buf: &[u8], start: usize, lf: usize) -> Result<&[u8], ParseError> {
    if lf == start || buf[lf - 1] != b'\r' {
        return Err(ParseError::BareLf);
    }
    Ok(&buf[start..lf - 1])
}

/// tchar of RFC 9110 5.6.2: what a method and a header name are made of.
fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn request_line(line: &[u8]) -> Result<(String, String, Version), ParseError> {
    // Exactly three parts between single spaces: "GET  /" has an empty one.
    let parts: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(ParseError::BadRequestLine);
    };
    if method.is_empty() || target.is_empty() || version.is_empty() {
        return Err(ParseError::BadRequestLine);
    }
    if !is_token(method) {
        return Err(ParseError::BadMethod);
    }
    if !target_is_valid(method, target) {
        return Err(ParseError::BadTarget);
    }
    let version = match version {
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            match (major, minor) {
                (b'1', b'0') => Version::Http10,
                (b'1', b'1') => Version::Http11,
                _ => return Err(ParseError::VersionNotSupported),
            }
        }
        _ => return Err(ParseError::BadVersion),
    };
    // Only visible ASCII passed the checks: the conversions cannot fail.
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Ok((text(method), text(target), version))
}

/// The four forms of RFC 9112 3.2, each made of visible ASCII only.
fn target_is_valid(method: &[u8], target: &[u8]) -> bool {
    if !target.iter().all(|b| (0x21..=0x7e).contains(b)) {
        return false;
    }
    if target[0] == b'/' {
        return true; // origin-form: /path?query
    }
    if target == b"*" {
        return method == b"OPTIONS"; // asterisk-form
    }
    if method == b"CONNECT" {
        return true; // authority-form: host:port
    }
    // absolute-form: scheme "://" …, the scheme a letter then letters,
    // digits, '+', '-' or '.'.
    let Some(colon) = target.iter().position(|&b| b == b':') else {
        return false;
    };
    let scheme = &target[..colon];
    !scheme.is_empty()
        && scheme[0].is_ascii_alphabetic()
        && scheme
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        && target[colon..].starts_with(b"://")
}

fn header_line(line: &[u8]) -> Result<Header, ParseError> {
    // RFC 9112 5.2: a line that starts with whitespace continues the one
    // before (obs-fold); a server must refuse it or unfold it. We refuse.
    if line[0] == b' ' || line[0] == b'\t' {
        return Err(ParseError::LineFolding);
    }
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return Err(ParseError::BadHeader);
    };
    let name = &line[..colon];
    // RFC 9112 5.1: "Host : x" must get 400, never be read as "Host".
    if name.ends_with(b" ") || name.ends_with(b"\t") {
        return Err(ParseError::SpaceBeforeColon);
    }
    if !is_token(name) {
        return Err(ParseError::BadHeader);
    }
    let value = line[colon + 1..].trim_ascii_start();
    let value = value
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(&value[..0], |last| &value[..=last]);
    // Visible ASCII, space, tab and obs-text; no other control byte.
    if value.iter().any(|&b| b < 0x20 && b != b'\t' || b == 0x7f) {
        return Err(ParseError::BadHeaderValue);
    }
    Ok(Header {
        name: String::from_utf8_lossy(name).into_owned(),
        value: value.to_vec(),
    })
}

/// How many body bytes follow the head (RFC 9112 6.3).
fn body_length(version: Version, headers: &[Header]) -> Result<usize, ParseError> {
    let hosts = named(headers, "Host").count();
    if version == Version::Http11 && hosts != 1 || hosts > 1 {
        return Err(ParseError::BadHost);
    }
    let mut length = None;
    for header in named(headers, "Content-Length") {
        let value = &header.value;
        if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
            return Err(ParseError::BadContentLength);
        }
        let n: usize = std::str::from_utf8(value)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or(ParseError::BadContentLength)?;
        // The same value twice is harmless; two values are an attack.
        if length.is_some_and(|earlier| earlier != n) {
            return Err(ParseError::BadContentLength);
        }
        length = Some(n);
    }
    if named(headers, "Transfer-Encoding").next().is_some() {
        return Err(if length.is_some() {
            ParseError::TransferEncodingWithContentLength
        } else {
            ParseError::TransferEncodingNotImplemented
        });
    }
    Ok(length.unwrap_or(0))
}

/// The headers called `name`, whatever the case.
fn named<'a>(headers: &'a [Header], name: &'a str) -> impl Iterator<Item = &'a Header> {
    headers
        .iter()
        .filter(move |h| h.name.eq_ignore_ascii_case(name))
}
