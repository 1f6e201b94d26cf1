//! Tests of the exercise `http-response`: a response built whole (book:
//! ch4/http-response.md). The bytes are read back with `httparse` (an
//! oracle, here only), so a malformed head fails as a client would see it.

use netkit_tests::harness::{Report, show};
use netkit_tests::kit::ch4::http_response::{Response, Version, imf_fixdate, keep_alive, reason};
use rstest::rstest;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

#[rstest]
#[case::the_epoch(0, "Thu, 01 Jan 1970 00:00:00 GMT")]
#[case::rfc_9110_s_example(784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT")]
#[case::a_leap_day(1_709_208_000, "Thu, 29 Feb 2024 12:00:00 GMT")]
#[case::after_the_leap_day_of_2000(951_868_800, "Wed, 01 Mar 2000 00:00:00 GMT")]
#[case::the_year_2100_is_no_leap_year(4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT")]
#[case::the_last_second_of_a_year(1_767_225_599, "Wed, 31 Dec 2025 23:59:59 GMT")]
#[case::the_last_second_of_9999(253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT")]
fn imf_fixdate_writes_the_rfc_s_format(#[case] secs: u64, #[case] expected: &str) {
    let with_fraction = at(secs) + Duration::from_millis(999);
    let got = imf_fixdate(with_fraction);
    if got != expected {
        Report::sent(format!("imf_fixdate(UNIX_EPOCH + {secs}.999 s)"))
            .expected(expected)
            .got(&got)
            .cause(
                "days = secs / 86400 and 1 January 1970 was a Thursday; a year divisible by \
                 100 is a leap year only when divisible by 400; two digits for the day and \
                 the time, GMT, and the fraction of a second dropped",
            )
            .fail();
    }
}

#[rstest]
#[case::http11_keeps_by_default(Version::Http11, None, true)]
#[case::http11_close(Version::Http11, Some("close"), false)]
#[case::http11_close_in_capitals(Version::Http11, Some("CLOSE"), false)]
#[case::http11_close_in_a_list(Version::Http11, Some("keep-alive, Close"), false)]
#[case::http11_keep_alive(Version::Http11, Some("keep-alive"), true)]
#[case::http11_an_option_that_is_not_close(Version::Http11, Some("closed"), true)]
#[case::http10_closes_by_default(Version::Http10, None, false)]
#[case::http10_keep_alive(Version::Http10, Some("keep-alive"), true)]
#[case::http10_keep_alive_any_case(Version::Http10, Some("Keep-Alive"), true)]
#[case::http10_keep_alive_in_a_list(Version::Http10, Some("upgrade,  keep-alive "), true)]
#[case::http10_close(Version::Http10, Some("close"), false)]
#[case::http10_something_else(Version::Http10, Some("upgrade"), false)]
fn keep_alive_follows_the_version_and_connection(
    #[case] version: Version,
    #[case] connection: Option<&str>,
    #[case] expected: bool,
) {
    let got = keep_alive(version, connection.map(str::as_bytes));
    if got != expected {
        Report::sent(format!(
            "keep_alive({version:?}, Connection: {connection:?})"
        ))
        .expected(format!("{expected}"))
        .got(format!("{got}"))
        .cause(
            "`close` anywhere in the comma list closes; otherwise HTTP/1.1 keeps the \
                 connection and HTTP/1.0 keeps it only with `keep-alive`; options ignore \
                 case and the spaces around them",
        )
        .fail();
    }
}

#[test]
fn reason_phrases_of_the_chapter_s_codes() {
    let table = [
        (200, "OK"),
        (204, "No Content"),
        (304, "Not Modified"),
        (400, "Bad Request"),
        (403, "Forbidden"),
        (404, "Not Found"),
        (405, "Method Not Allowed"),
        (414, "URI Too Long"),
        (431, "Request Header Fields Too Large"),
        (500, "Internal Server Error"),
        (501, "Not Implemented"),
        (505, "HTTP Version Not Supported"),
        (299, ""),
    ];
    for (status, expected) in table {
        let got = reason(status);
        if got != expected {
            Report::sent(format!("reason({status})"))
                .expected(format!("{expected:?}"))
                .got(format!("{got:?}"))
                .cause("the phrases of RFC 9110, as the page's table lists them; \"\" for a code it does not list")
                .fail();
        }
    }
}

/// What a client reads from `bytes`: status, headers, and the bytes after
/// the head.
struct Read {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    rest: Vec<u8>,
}

fn read_back(bytes: &[u8], asked: &str) -> Read {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(bytes) {
        Ok(httparse::Status::Complete(head_len)) if response.version == Some(1) => Read {
            status: response.code.unwrap_or_default(),
            reason: response.reason.unwrap_or_default().to_string(),
            headers: response
                .headers
                .iter()
                .map(|h| (h.name.to_string(), String::from_utf8_lossy(h.value).into_owned()))
                .collect(),
            rest: bytes[head_len..].to_vec(),
        },
        other => Report::sent(asked)
            .expected("an HTTP/1.1 response that httparse reads: `HTTP/1.1 CODE REASON\\r\\n`, fields, `\\r\\n`")
            .got(format!("{} (httparse: {other:?}, version {:?})", show(bytes), response.version))
            .cause("every line ends with \\r\\n, and the head ends with an empty line")
            .fail(),
    }
}

fn field<'a>(read: &'a Read, name: &str) -> Vec<&'a str> {
    read.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

fn page(status: u16, body: &[u8]) -> Response {
    Response {
        status,
        headers: vec![(
            "Content-Type".to_string(),
            "text/html; charset=utf-8".to_string(),
        )],
        body: body.to_vec(),
    }
}

#[rstest]
#[case::a_page_kept(page(200, b"<h1>hello</h1>\n"), false, true)]
#[case::a_page_closed(page(200, b"<p>bye</p>"), false, false)]
#[case::head_has_no_body(page(200, b"<h1>hello</h1>\n"), true, true)]
#[case::chinese_counted_in_bytes(page(200, "你好".as_bytes()), false, true)]
#[case::an_empty_body(page(200, b""), false, true)]
#[case::a_binary_body(page(200, b"\x89PNG\r\n\x1a\n\0\0\r\n\r\n"), false, true)]
#[case::not_found(page(404, b"not here"), false, true)]
#[case::head_of_a_404(page(404, b"not here"), true, false)]
#[case::no_content(page(204, b""), false, true)]
fn to_bytes_writes_a_response_a_client_reads(
    #[case] response: Response,
    #[case] head_only: bool,
    #[case] keep: bool,
) {
    let now = at(784_111_777);
    let asked = format!(
        "{response:?}.to_bytes(head_only: {head_only}, keep: {keep}, Sun, 06 Nov 1994 08:49:37 GMT)"
    );
    let bytes = response.to_bytes(head_only, keep, now);
    let read = read_back(&bytes, &asked);
    let length = if response.status == 204 {
        vec![]
    } else {
        vec![response.body.len().to_string()]
    };
    let body: &[u8] = if head_only || response.status == 204 {
        b""
    } else {
        &response.body
    };
    let connection = if keep { "keep-alive" } else { "close" };
    let problems = [
        (
            read.status == response.status && read.reason == reason(response.status),
            "the status line: HTTP/1.1, the code, its reason phrase",
        ),
        (
            field(&read, "Content-Length") == length,
            "one Content-Length: the body's length in bytes (as a GET would get it, for a HEAD), none for a 204",
        ),
        (
            field(&read, "Date") == ["Sun, 06 Nov 1994 08:49:37 GMT"],
            "one Date: imf_fixdate(now)",
        ),
        (
            field(&read, "Connection") == [connection],
            "one Connection: keep-alive when keep, close otherwise",
        ),
        (
            field(&read, "Content-Type") == ["text/html; charset=utf-8"],
            "the response's own headers, as given",
        ),
        (
            read.rest == body,
            "after the head, the body, exactly; nothing for a HEAD or a 204",
        ),
    ];
    if let Some((_, what)) = problems.iter().find(|(ok, _)| !ok) {
        Report::sent(asked)
            .expected(*what)
            .got(format!(
                "{} {:?}, headers {:?}, then {}",
                read.status,
                read.reason,
                read.headers,
                show(&read.rest)
            ))
            .cause(
                "Content-Length counts the body's bytes only (not the head, not characters); \
                 a HEAD gets the head a GET would get and no body",
            )
            .fail();
    }
}
