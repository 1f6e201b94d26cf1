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
    match status {
        100 => "Continue",
        200 => "OK",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}
// ANCHOR_END: reason

// ANCHOR: imf_fixdate
/// `time` as the IMF-fixdate of RFC 9110 5.6.7, always in GMT and always 29
/// bytes: `Sun, 06 Nov 1994 08:49:37 GMT`. Fractions of a second are
/// dropped; a time before 1970 is written as 1970's first second.
pub fn imf_fixdate(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = secs / 86_400;
    let of_day = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    // 1 January 1970 was a Thursday.
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{weekday}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        months[month as usize - 1],
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}
// ANCHOR_END: imf_fixdate

/// The year, month (1 to 12) and day (1 to 31) of a count of days since
/// 1970-01-01, in the proleptic Gregorian calendar (Howard Hinnant's
/// algorithm: it counts in 400-year eras, which repeat exactly, and starts
/// each year on 1 March, so that the leap day is the last day of a year).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153; // 0 = March … 11 = February
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

// ANCHOR: keep_alive
/// Whether the connection stays open after this answer (RFC 9112 9.3):
/// `connection` is the request's Connection field, a comma-separated list
/// whose options ignore case. `close` closes, in either version. Otherwise
/// HTTP/1.1 keeps the connection, and HTTP/1.0 keeps it only when it asked
/// with `keep-alive`.
pub fn keep_alive(version: Version, connection: Option<&[u8]>) -> bool {
    let has = |option: &str| {
        connection.is_some_and(|value| {
            value
                .split(|&b| b == b',')
                .any(|item| item.trim_ascii().eq_ignore_ascii_case(option.as_bytes()))
        })
    };
    if has("close") {
        return false;
    }
    match version {
        Version::Http11 => true,
        Version::Http10 => has("keep-alive"),
    }
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
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        head.push_str(&format!("Date: {}\r\n", imf_fixdate(now)));
        // RFC 9110 8.6: no Content-Length in a 1xx or a 204, which never
        // have a body.
        let bodiless = self.status < 200 || self.status == 204;
        if !bodiless {
            head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        let connection = if keep { "keep-alive" } else { "close" };
        head.push_str(&format!("Connection: {connection}\r\n"));
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        if !head_only && !bodiless {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}
// ANCHOR_END: to_bytes
