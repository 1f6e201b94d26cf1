//! Tests of the exercise `c10k` (book: ch5/c10k.md): the site loaded from a
//! folder; the server over real sockets, spoken to with raw bytes (read
//! back with `httparse`, a client's parser, as an oracle): GET, HEAD, 404,
//! 405, 400, 431, keep-alive by version, pipelining, requests in pieces, a
//! client that does not read, idle clients, the connection limit; and ten
//! thousand idle connections to the runner's `c10k-server`, with the
//! server's memory per connection measured.
//!
//! The wire tests ([`wire`]) take the way to start a server as an argument,
//! so that `multi-core`'s suite runs the same tests against its server.

use netkit_tests::harness::{
    Liveness, Program, Report, ServerThread, TcpPeer, machine_lock, resident_memory, show,
    unread_by_server, wait_for,
};
use netkit_tests::kit::ch5::c10k::{self as kit, Config, Site};
use rstest::rstest;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- the site

/// The test site: a page, a style sheet, a sub-folder with its index, and a
/// page of 1 MiB (to fill a slow client's buffers).
pub(super) fn test_site() -> Arc<Site> {
    Arc::new(Site::from_files([
        ("index.html", b"<!doctype html><p>the index</p>\n".to_vec()),
        ("style.css", b"p { color: teal }\n".to_vec()),
        (
            "sub/index.html",
            b"<p>the sub-folder's index</p>\n".to_vec(),
        ),
        ("big.bin", vec![b'x'; 1024 * 1024]),
    ]))
}

/// How a test starts the server under test: on `site`, with `config`, on
/// 127.0.0.1; it returns what to watch and where to connect.
pub(super) type Start = fn(Arc<Site>, Config) -> (ServerThread, SocketAddr);

/// `c10k::serve` on a thread of the test process.
fn start_c10k(site: Arc<Site>, config: Config) -> (ServerThread, SocketAddr) {
    ServerThread::on_loopback("c10k::serve", move |listener| {
        kit::serve(listener, site, &config)
    })
}

pub(super) fn config() -> Config {
    Config {
        max_connections: 1000,
        idle: Duration::from_secs(60),
    }
}

// ---------------------------------------------------------------- a client, by hand

/// One response, as httparse read it.
#[derive(Debug)]
pub(super) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn summary(&self) -> String {
        let head: Vec<String> = self
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}"))
            .collect();
        format!(
            "{} with {} and {} body bytes ({})",
            self.status,
            head.join(", "),
            self.body.len(),
            show(&self.body[..self.body.len().min(48)])
        )
    }
}

/// How long an answer may take (5 s) before the test gives up: a correct
/// server answers in milliseconds, and a server that stalls (it stopped
/// reading, or forgot a request) is then caught in seconds, not at the
/// harness's TIMEOUT.
pub(super) const PATIENCE: Duration = Duration::from_secs(5);

/// The server under test, watched until a deadline: past it, the wait
/// fails, saying so.
pub(super) struct Within<'a> {
    server: &'a dyn Liveness,
    until: Instant,
}

impl<'a> Within<'a> {
    pub fn patience(server: &'a dyn Liveness) -> Self {
        Within {
            server,
            until: Instant::now() + PATIENCE,
        }
    }
}

impl Liveness for Within<'_> {
    fn check(&self) -> Result<(), String> {
        self.server.check()?;
        if Instant::now() >= self.until {
            return Err(format!(
                "nothing more within {} s: the server stalled (a request not answered, a socket \
                 not read on until WouldBlock, a connection left in the table?)",
                PATIENCE.as_secs()
            ));
        }
        Ok(())
    }
}

/// A client played by the test over one connection.
pub(super) struct Client<'a> {
    peer: TcpPeer,
    server: &'a dyn Liveness,
}

/// The bytes of a GET of `target`, as HTTP/1.1.
pub(super) fn get(target: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: test\r\n\r\n").into_bytes()
}

impl<'a> Client<'a> {
    pub fn connect(addr: SocketAddr, server: &'a dyn Liveness) -> Self {
        Client {
            peer: TcpPeer::connect_watched(addr, server),
            server,
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.peer.send(bytes);
    }

    /// Reads one response: its head up to the empty line, then
    /// `Content-Length` body bytes (none for a HEAD's).
    pub fn reply(&mut self, head_only: bool, what: &str) -> Reply {
        let mut head = Vec::new();
        let watch = Within::patience(self.server);
        while !head.ends_with(b"\r\n\r\n") {
            match self.peer.try_read_exact(1, &watch) {
                Ok(byte) => head.extend_from_slice(&byte),
                Err((_, why)) => self.fail(what, &head, &why),
            }
            if head.len() > 64 * 1024 {
                self.fail(what, &head, "a head of more than 64 KiB and no empty line");
            }
        }
        let mut fields = [httparse::EMPTY_HEADER; 32];
        let mut parsed = httparse::Response::new(&mut fields);
        if !matches!(parsed.parse(&head), Ok(httparse::Status::Complete(_))) {
            self.fail(what, &head, "a head that httparse cannot read");
        }
        let mut reply = Reply {
            status: parsed.code.unwrap_or(0),
            headers: parsed
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_string(),
                        String::from_utf8_lossy(h.value).into_owned(),
                    )
                })
                .collect(),
            body: Vec::new(),
        };
        let Some(length) = reply
            .header("content-length")
            .and_then(|v| v.trim().parse().ok())
        else {
            self.fail(what, &head, "no Content-Length");
        };
        if !head_only {
            match self.peer.try_read_exact(length, &watch) {
                Ok(body) => reply.body = body,
                Err((got, why)) => self.fail(
                    what,
                    &head,
                    &format!(
                        "a body of {} bytes of the {length} promised, then: {why}",
                        got.len()
                    ),
                ),
            }
        }
        reply
    }

    /// Sends `request` and reads its response.
    pub fn ask(&mut self, request: &[u8], what: &str) -> Reply {
        self.send(request);
        self.reply(request.starts_with(b"HEAD "), what)
    }

    fn fail(&self, what: &str, head: &[u8], why: &str) -> ! {
        Report::sent(self.peer.sent())
            .expected(what)
            .got(format!("{} ({why})", show(&head[..head.len().min(200)])))
            .cause(
                "each request gets a status line, header lines with a right Content-Length, an \
                 empty line, then exactly that many body bytes; a request may come in pieces, \
                 and several may come in one read",
            )
            .fail()
    }

    /// The server closes the connection, sending nothing more.
    pub fn expect_closed(&mut self, what: &str) {
        self.peer
            .expect_closed(&Within::patience(self.server), what);
    }
}

/// Fails unless `reply` is `status` with `body`.
#[track_caller]
pub(super) fn expect(reply: &Reply, sent: &str, status: u16, body: &[u8], cause: &str) {
    if reply.status != status || reply.body != body {
        Report::sent(sent)
            .expected(format!(
                "{status} with a body of {} bytes ({})",
                body.len(),
                show(&body[..body.len().min(48)])
            ))
            .got(reply.summary())
            .cause(cause)
            .fail();
    }
}

// ---------------------------------------------------------------- the wire tests

/// The tests over the wire, each given the way to start its server: run
/// here against `c10k::serve`, and by `multi-core`'s suite against its own.
pub(super) mod wire {
    use super::*;

    pub const INDEX: &[u8] = b"<!doctype html><p>the index</p>\n";

    pub fn get_and_head(start: Start) {
        let site = test_site();
        let (server, addr) = start(Arc::clone(&site), config());
        let mut client = Client::connect(addr, &server);
        let reply = client.ask(&get("/style.css"), "the style sheet");
        expect(
            &reply,
            "GET /style.css",
            200,
            b"p { color: teal }\n",
            "a plain GET",
        );
        for (name, wanted) in [
            ("server", Some("netkit")),
            ("content-type", Some("text/css; charset=utf-8")),
            ("content-length", Some("18")),
            ("connection", Some("keep-alive")),
        ] {
            let got = reply.header(name);
            if got.map(|v| v.to_ascii_lowercase()) != wanted.map(str::to_string) {
                Report::sent("GET /style.css HTTP/1.1")
                    .expected(format!("the header {name}: {wanted:?}"))
                    .got(reply.summary())
                    .cause("every answer carries Server, Date, Content-Type, Content-Length and Connection")
                    .fail();
            }
        }
        if reply.header("date").is_none_or(|d| !d.ends_with(" GMT")) {
            Report::sent("GET /style.css HTTP/1.1")
                .expected("a Date header in IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`)")
                .got(reply.summary())
                .fail();
        }
        let reply = client.ask(
            b"HEAD /style.css HTTP/1.1\r\nHost: test\r\n\r\n",
            "the head only",
        );
        expect(&reply, "HEAD /style.css", 200, b"", "a HEAD has no body");
        if reply.header("content-length") != Some("18") {
            Report::sent("HEAD /style.css HTTP/1.1")
                .expected("Content-Length: 18, the length a GET would send")
                .got(reply.summary())
                .fail();
        }
        // The HEAD's answer had no body: the next answer follows at once.
        let reply = client.ask(&get("/"), "the index after a HEAD");
        expect(
            &reply,
            "HEAD /style.css, then GET /",
            200,
            INDEX,
            "a HEAD's answer must send no body bytes: they would be read as the next answer",
        );
    }

    pub fn paths_and_their_pages(start: Start) {
        let (server, addr) = start(test_site(), config());
        let mut client = Client::connect(addr, &server);
        for (target, status, body) in [
            ("/", 200, INDEX),
            ("/index.html", 200, INDEX),
            ("/index.html?v=2", 200, INDEX),
            ("/ind%65x.html", 200, INDEX),
            ("/sub/", 200, &b"<p>the sub-folder's index</p>\n"[..]),
            ("/sub", 200, &b"<p>the sub-folder's index</p>\n"[..]),
            ("/missing.html", 404, &b""[..]),
            ("/../index.html", 404, &b""[..]),
        ] {
            let reply = client.ask(&get(target), &format!("the answer to GET {target}"));
            if reply.status != status || (status == 200 && reply.body != body) {
                Report::sent(format!("GET {target} HTTP/1.1"))
                    .expected(format!("{status} ({})", show(body)))
                    .got(reply.summary())
                    .cause(
                        "the path is looked up in the site: `/` and `dir/` are their index.html \
                         (`dir` too), the query is no part of it, %XX is decoded, anything \
                         else is 404",
                    )
                    .fail();
            }
        }
    }

    pub fn other_methods_are_405(start: Start) {
        let (server, addr) = start(test_site(), config());
        let mut client = Client::connect(addr, &server);
        let reply = client.ask(b"DELETE /index.html HTTP/1.1\r\nHost: test\r\n\r\n", "405");
        if reply.status != 405 || reply.header("allow") != Some("GET, HEAD") {
            Report::sent("DELETE /index.html HTTP/1.1")
                .expected("405 with Allow: GET, HEAD")
                .got(reply.summary())
                .fail();
        }
        let reply = client.ask(&get("/"), "the index after a 405");
        expect(
            &reply,
            "DELETE, then GET /",
            200,
            INDEX,
            "a 405 keeps the connection",
        );
    }

    pub fn bad_request_is_refused_and_closed(start: Start, request: &[u8], status: u16) {
        let (server, addr) = start(test_site(), config());
        let mut client = Client::connect(addr, &server);
        let reply = client.ask(request, &format!("{status}, then the close"));
        if reply.status != status {
            Report::sent(show(request))
                .expected(format!("{status}"))
                .got(reply.summary())
                .cause(
                    "the head ends at CRLF CRLF, each line in CRLF (a bare LF is 400); the \
                     request line is METHOD SP TARGET SP HTTP/1.0 or HTTP/1.1; this server \
                     takes no body (Content-Length other than 0, any Transfer-Encoding: 400); \
                     a head over 8 KiB is 431",
                )
                .fail();
        }
        client.expect_closed("the close after a refused request");
    }

    pub fn keep_alive_by_version(start: Start, request: &[u8], kept: bool) {
        let (server, addr) = start(test_site(), config());
        let mut client = Client::connect(addr, &server);
        let reply = client.ask(request, "the index");
        expect(&reply, &show(request), 200, INDEX, "a GET of the index");
        let wanted = if kept { "keep-alive" } else { "close" };
        if reply
            .header("connection")
            .map(str::to_ascii_lowercase)
            .as_deref()
            != Some(wanted)
        {
            Report::sent(show(request))
                .expected(format!("Connection: {wanted}"))
                .got(reply.summary())
                .cause("HTTP/1.1 keeps the connection unless `Connection: close`; HTTP/1.0 closes it unless `Connection: keep-alive`")
                .fail();
        }
        if kept {
            let reply = client.ask(&get("/style.css"), "a second answer on the same connection");
            expect(
                &reply,
                "a second request",
                200,
                b"p { color: teal }\n",
                "the connection is kept",
            );
        } else {
            client.expect_closed("the close after `Connection: close`");
        }
    }

    pub fn pipelined_requests_answered_in_order(start: Start) {
        let (server, addr) = start(test_site(), config());
        let mut client = Client::connect(addr, &server);
        let mut all = get("/style.css");
        all.extend(get("/nope"));
        all.extend(b"HEAD / HTTP/1.1\r\n\r\n");
        all.extend(get("/"));
        client.send(&all);
        let cause = "answer every request of one read, in order: the bytes after a request's \
                     empty line are the next request";
        expect(
            &client.reply(false, "the first answer"),
            "4 requests in one write",
            200,
            b"p { color: teal }\n",
            cause,
        );
        let second = client.reply(false, "the second answer");
        if second.status != 404 {
            Report::sent("4 requests in one write")
                .expected("404 second")
                .got(second.summary())
                .cause(cause)
                .fail();
        }
        expect(
            &client.reply(true, "the third answer"),
            "4 requests in one write",
            200,
            b"",
            cause,
        );
        expect(
            &client.reply(false, "the fourth answer"),
            "4 requests in one write",
            200,
            INDEX,
            cause,
        );
    }

    /// More requests in one write than the loop reads at once (64 KiB):
    /// the loop must read on, without a new event, until WouldBlock.
    pub fn many_pipelined_requests(start: Start) {
        let (server, addr) = start(test_site(), config());
        let mut client = Client::connect(addr, &server);
        let one = get("/style.css");
        let count = 4000;
        let all: Vec<u8> = one
            .iter()
            .copied()
            .cycle()
            .take(one.len() * count)
            .collect();
        let mut writer = client
            .peer
            .stream()
            .try_clone()
            .expect("cloning the client's socket");
        let sender = std::thread::spawn(move || writer.write_all(&all));
        for i in 0..count {
            let reply = client.reply(false, &format!("answer {i} of {count}"));
            expect(
                &reply,
                &format!(
                    "{count} pipelined GETs ({} KiB) in one write",
                    one.len() * count / 1024
                ),
                200,
                b"p { color: teal }\n",
                "edge-triggered: read until WouldBlock (one read per event stalls), and go on \
                 answering once the output drains",
            );
        }
        drop(sender.join());
    }

    pub fn requests_in_pieces(start: Start) {
        let (server, addr) = start(test_site(), config());
        let mut client = Client::connect(addr, &server);
        let mut two = get("/style.css");
        two.extend(get("/"));
        // Cut where a parser that takes one read as one request goes wrong:
        // in the request line, in a header, between the two CRLFs, and in
        // the second request. Each piece waits until the server has read it.
        let cuts = [
            0,
            3,
            12,
            20,
            two.len() / 2 - 2,
            two.len() / 2 + 5,
            two.len(),
        ];
        for piece in cuts.windows(2) {
            client.send(&two[piece[0]..piece[1]]);
            // Bounded: a server that has died fails the read below.
            let _ = wait_for(&server, || Ok((unread_by_server(addr) == 0).then_some(())));
        }
        let cause = "a request may come in any number of reads: keep what came (only that \
                     leftover) until its empty line comes";
        expect(
            &client.reply(false, "the style sheet"),
            "two GETs in 6 pieces",
            200,
            b"p { color: teal }\n",
            cause,
        );
        expect(
            &client.reply(false, "the index"),
            "two GETs in 6 pieces",
            200,
            INDEX,
            cause,
        );
        // And one byte at a time, without waiting.
        for byte in get("/sub/") {
            client.send(&[byte]);
        }
        expect(
            &client.reply(false, "the sub-folder's index"),
            "GET /sub/ one byte at a time",
            200,
            b"<p>the sub-folder's index</p>\n",
            cause,
        );
    }

    pub fn a_slow_reader_does_not_stop_the_others(start: Start) {
        let (server, addr) = start(test_site(), config());
        let mut slow = Client::connect(addr, &server);
        // 64 pipelined GETs of 1 MiB, never read: far more than the
        // socket buffers hold.
        let many: Vec<u8> = (0..64).flat_map(|_| get("/big.bin")).collect();
        slow.send(&many);
        for i in 0..3 {
            let mut other = Client::connect(addr, &server);
            let reply = other.ask(
                &get("/"),
                &format!("the index for client {i}, while another does not read"),
            );
            expect(
                &reply,
                "GET / while another client does not read its 64 MiB",
                200,
                INDEX,
                "write until WouldBlock and keep the rest for the next writable event; never \
                 wait for one client",
            );
        }
        drop(slow);
    }

    pub fn an_idle_connection_is_closed(start: Start) {
        let config = Config {
            idle: Duration::from_millis(300),
            ..config()
        };
        let (server, addr) = start(test_site(), config);
        let mut client = Client::connect(addr, &server);
        let reply = client.ask(&get("/"), "the index");
        expect(&reply, "GET /", 200, INDEX, "a GET");
        client.expect_closed("the close of a connection idle for 300 ms (config.idle)");
        // And one that sent half a request.
        let mut half = Client::connect(addr, &server);
        half.send(b"GET / HT");
        half.expect_closed("the close of a connection idle with half a request");
    }

    pub fn past_the_limit_503_then_served_again(start: Start) {
        let config = Config {
            max_connections: 3,
            ..config()
        };
        let (server, addr) = start(test_site(), config);
        let mut held: Vec<Client> = (0..3).map(|_| Client::connect(addr, &server)).collect();
        for (i, client) in held.iter_mut().enumerate() {
            let reply = client.ask(&get("/"), &format!("the index on connection {i} of 3"));
            expect(
                &reply,
                "GET / on each of max_connections = 3 connections",
                200,
                INDEX,
                "max_connections connections are all served (count the live ones, not the slots)",
            );
        }
        let mut extra = Client::connect(addr, &server);
        let reply = extra.reply(false, "503 for a fourth connection, unasked");
        if reply.status != 503 {
            Report::sent("a fourth connection, with max_connections = 3")
                .expected("503 at once, then the close")
                .got(reply.summary())
                .cause("past max_connections, answer 503 and close")
                .fail();
        }
        extra.expect_closed("the close after the 503");
        drop(held.pop());
        // The server learns of the close when it reads it; until then a new
        // connection may still get 503. Bounded retries.
        let mut last = String::new();
        let served = wait_for(&Within::patience(&server), || {
            let mut again = Client::connect(addr, &server);
            again.send(&get("/"));
            let reply = again.reply(false, "an answer");
            last = reply.summary();
            Ok((reply.status == 200).then_some(()))
        });
        if served.is_err() {
            Report::sent("one of 3 connections closed, then a new one: GET /")
                .expected("200: the closed connection left the table")
                .got(last)
                .cause("a closed connection must leave the table and the count of live ones")
                .fail();
        }
    }
}

#[test]
fn get_and_head() {
    wire::get_and_head(start_c10k);
}

#[test]
fn paths_and_their_pages() {
    wire::paths_and_their_pages(start_c10k);
}

#[test]
fn other_methods_are_405() {
    wire::other_methods_are_405(start_c10k);
}

/// The requests a server refuses, with their status: shared with
/// `multi-core`'s suite, which runs them all against its server.
pub(super) fn bad_requests() -> [(&'static str, Vec<u8>, u16); 7] {
    [
        ("a bare LF", b"GET / HTTP/1.1\nHost: test\n\n".to_vec(), 400),
        (
            "a body",
            b"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello".to_vec(),
            400,
        ),
        (
            "chunked",
            b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(),
            400,
        ),
        ("no version", b"GET /\r\n\r\n".to_vec(), 400),
        ("another version", b"GET / HTTP/2.0\r\n\r\n".to_vec(), 400),
        (
            "a header without a colon",
            b"GET / HTTP/1.1\r\nHost test\r\n\r\n".to_vec(),
            400,
        ),
        ("a head over 8 KiB", long_head(), 431),
    ]
}

#[rstest]
#[case::a_bare_lf(0)]
#[case::a_body(1)]
#[case::chunked(2)]
#[case::no_version(3)]
#[case::another_version(4)]
#[case::a_header_without_colon(5)]
#[case::a_head_over_8_kib(6)]
fn bad_request_is_refused_and_closed(#[case] n: usize) {
    let (_, request, status) = &bad_requests()[n];
    wire::bad_request_is_refused_and_closed(start_c10k, request, *status);
}

/// A head of 9 KiB: one header of 9000 bytes.
fn long_head() -> Vec<u8> {
    let mut head = b"GET / HTTP/1.1\r\nX-Long: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', 9000));
    head.extend(b"\r\n\r\n");
    head
}

/// Requests and whether their connection is kept: shared with
/// `multi-core`'s suite.
pub(super) const KEEP_ALIVE: [(&[u8], bool); 5] = [
    (b"GET / HTTP/1.1\r\n\r\n", true),
    (b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false),
    (b"GET / HTTP/1.1\r\nconnection: Close\r\n\r\n", false),
    (b"GET / HTTP/1.0\r\n\r\n", false),
    (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
];

#[rstest]
#[case::http11(0)]
#[case::http11_close(1)]
#[case::http11_close_in_capitals(2)]
#[case::http10(3)]
#[case::http10_keep_alive(4)]
fn keep_alive_by_version(#[case] n: usize) {
    let (request, kept) = KEEP_ALIVE[n];
    wire::keep_alive_by_version(start_c10k, request, kept);
}

#[test]
fn pipelined_requests_answered_in_order() {
    wire::pipelined_requests_answered_in_order(start_c10k);
}

#[test]
fn many_pipelined_requests() {
    wire::many_pipelined_requests(start_c10k);
}

#[test]
fn requests_in_pieces() {
    wire::requests_in_pieces(start_c10k);
}

#[test]
fn a_slow_reader_does_not_stop_the_others() {
    wire::a_slow_reader_does_not_stop_the_others(start_c10k);
}

#[test]
fn an_idle_connection_is_closed() {
    wire::an_idle_connection_is_closed(start_c10k);
}

#[test]
fn past_the_limit_503_then_served_again() {
    wire::past_the_limit_503_then_served_again(start_c10k);
}

// ---------------------------------------------------------------- bytes there before the first read

/// Requests of about 4 KiB each (a padding header), this many: 100 KiB in
/// all, more than one read of the loop's scratch buffer (64 KiB), and
/// answers of some 6 KiB in all, which fit in a socket's send buffer.
const WAITING: usize = 25;

/// Every byte of 25 pipelined requests is in the server's socket before the
/// server accepts it: the one edge-triggered event the socket then gives
/// says "readable" once, and a loop that reads once per event reads 64 KiB
/// of the 100 and waits for ever for an event that never comes. (Bytes
/// that arrive while the server reads make new events, which is why the
/// other tests cannot catch that loop every time.)
#[test]
fn requests_already_waiting_in_the_socket_are_all_answered() {
    use socket2::{Domain, Socket, Type};
    // The connections a listener accepts inherit its receive buffer: 1 MiB
    // asked (the kernel caps it at net.core.rmem_max), so that all 100 KiB
    // fit in the server's socket before it reads.
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a socket");
    socket
        .set_recv_buffer_size(1 << 20)
        .expect("SO_RCVBUF on the listener");
    socket
        .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .expect("bind");
    socket.listen(16).expect("listen");
    let listener = std::net::TcpListener::from(socket);
    let addr = listener.local_addr().expect("the listener's address");
    // Connected and sent before any serve: the connection waits in the
    // accept queue, and its bytes in its receive buffer.
    let stream = TcpStream::connect(addr).expect("connecting to a listening socket");
    let mut request = b"GET /style.css HTTP/1.1\r\nHost: test\r\nX-Pad: ".to_vec();
    request.extend(std::iter::repeat_n(b'p', 4000));
    request.extend(b"\r\n\r\n");
    let requests = request.repeat(WAITING);
    let mut peer = TcpPeer::from_stream(stream);
    peer.send(&requests);
    let mut queued = 0;
    // Nothing to watch yet: no server runs.
    let all_there = wait_for(&(), || {
        queued = unread_by_server(addr);
        Ok((queued >= requests.len() as u64).then_some(()))
    });
    if all_there.is_err() {
        Report::sent(format!("{} bytes of requests to a listener not yet served", requests.len()))
            .expected("all of them in the accepted socket's receive queue (/proc/net/tcp)")
            .got(format!("{queued} bytes there"))
            .cause("this machine's receive buffers are too small for the test (net.core.rmem_max): it is the test's condition, not your server's fault")
            .fail();
    }
    let site = test_site();
    let server = ServerThread::spawn("c10k::serve", move || kit::serve(listener, site, &config()));
    let mut client = Client {
        peer,
        server: &server,
    };
    for i in 0..WAITING {
        let reply = client.reply(
            false,
            &format!(
                "the answer to request {} of {WAITING}, all sent before the server's first read",
                i + 1
            ),
        );
        expect(
            &reply,
            &format!("{WAITING} requests of 4 KiB, in the socket before the server accepted it"),
            200,
            b"p { color: teal }\n",
            "edge-triggered epoll says readable once for all the bytes there: read until \
             WouldBlock, not once per event (one read takes 64 KiB of the 100)",
        );
    }
}

// ---------------------------------------------------------------- Site::load

#[test]
fn site_load_holds_the_regular_files_under_the_root_only() {
    let base = tempfile::tempdir().expect("a temporary folder");
    let root = base.path().join("site");
    let write = |path: &Path, bytes: &[u8]| {
        std::fs::create_dir_all(path.parent().expect("a file has a folder")).expect("folders");
        std::fs::write(path, bytes).expect("writing a file");
    };
    write(&root.join("index.html"), b"index");
    write(&root.join("a/b/deep.txt"), b"deep");
    write(&base.path().join("outside/secret.txt"), b"SECRET");
    std::os::unix::fs::symlink("../outside/secret.txt", root.join("link.txt")).expect("a link");
    std::os::unix::fs::symlink("../outside", root.join("linkdir")).expect("a folder link");
    std::os::unix::fs::symlink("index.html", root.join("inside.html")).expect("a link inside");
    nix::unistd::mkfifo(&root.join("fifo"), nix::sys::stat::Mode::S_IRWXU).expect("a FIFO");
    let site = match std::panic::catch_unwind(|| Site::load(&root)) {
        Ok(Ok(site)) => site,
        Ok(Err(e)) => Report::sent(format!("Site::load({})", root.display()))
            .expected("the site")
            .got(format!("the error {e}"))
            .fail(),
        Err(panic) => Report::sent(format!("Site::load({})", root.display()))
            .expected("the site")
            .got(netkit_tests::harness::server::panic_text(&*panic))
            .fail(),
    };
    let cause = "walk the folders with each entry's own file_type (a link is a link), open \
                 with O_NOFOLLOW|O_NONBLOCK and keep what is a regular file";
    for (path, wanted) in [
        ("/index.html", Some(&b"index"[..])),
        ("/", Some(b"index")),
        ("/a/b/deep.txt", Some(b"deep")),
        ("/link.txt", None),
        ("/linkdir/secret.txt", None),
        ("/inside.html", None),
        ("/fifo", None),
    ] {
        let got = site.get(path.as_bytes()).map(|p| p.body.to_vec());
        if got.as_deref() != wanted {
            Report::sent(format!("Site::load(root), then get({path:?})"))
                .expected(format!("{:?}", wanted.map(show)))
                .got(format!("{:?}", got.as_deref().map(show)))
                .cause(cause)
                .fail();
        }
    }
    if site.len() != 2 {
        Report::sent(format!("Site::load({})", root.display()))
            .expected("2 files: index.html and a/b/deep.txt")
            .got(format!("{} files", site.len()))
            .cause(cause)
            .fail();
    }
    if site.get(b"/index.html").map(|p| p.content_type) != Some("text/html; charset=utf-8") {
        Report::sent("get(\"/index.html\")")
            .expected("Content-Type text/html; charset=utf-8")
            .got(format!(
                "{:?}",
                site.get(b"/index.html").map(|p| p.content_type)
            ))
            .fail();
    }
}

// ---------------------------------------------------------------- ten thousand

/// Connections the test holds at once.
const CONNECTIONS: usize = 10_000;

/// Descriptors the test process needs beside them (the rest of the suite
/// runs beside it).
const FD_MARGIN: u64 = 1_000;

/// The bound on the server's resident memory per idle connection: the
/// reference holds some 0.2 KiB; one kept buffer of 16 KiB or more per
/// connection costs at least a page (4 KiB) of it.
const MAX_KIB_PER_CONNECTION: f64 = 2.0;

/// Raises this process's soft limit on open files to its hard limit;
/// fails, saying why, when the hard limit is too low for the test.
fn enough_descriptors() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit");
    let needed = CONNECTIONS as u64 + FD_MARGIN;
    if hard < needed {
        Report::sent(format!(
            "getrlimit(RLIMIT_NOFILE) = soft {soft}, hard {hard}"
        ))
        .expected(format!(
            "a hard limit of at least {needed} open files: {CONNECTIONS} connections, and \
                 the rest of the suite"
        ))
        .got(format!("this machine's hard limit is {hard}"))
        .cause(format!(
            "the machine's limit is too low for this test, not the server: raise the hard \
                 limit (`ulimit -Hn` shows it; as root, `ulimit -n {needed}` or \
                 /etc/security/limits.conf) and run again"
        ))
        .fail();
    }
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).expect("raising the soft limit");
    }
    let range =
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let ports: Vec<u64> = range
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    if let [low, high] = ports[..]
        && high - low + 1 < needed
    {
        Report::sent(format!(
            "/proc/sys/net/ipv4/ip_local_port_range = {}",
            range.trim()
        ))
        .expected(format!("at least {needed} ephemeral ports"))
        .got(format!("{}", high - low + 1))
        .cause("each connection from 127.0.0.1 takes one local port: widen the range")
        .fail();
    }
}

/// Reads one whole answer (head, then Content-Length bytes) from a
/// blocking stream; its status.
fn read_answer(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Result<u16, String> {
    buffer.clear();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let mut fields = [httparse::EMPTY_HEADER; 16];
            let mut parsed = httparse::Response::new(&mut fields);
            if !matches!(parsed.parse(buffer), Ok(httparse::Status::Complete(_))) {
                return Err(format!("a head httparse cannot read: {}", show(buffer)));
            }
            let length: usize = parsed
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok())
                .ok_or("no Content-Length")?;
            let status = parsed.code.unwrap_or(0);
            if buffer.len() >= end + 4 + length {
                return Ok(status);
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err(format!("the close, after {}", show(buffer))),
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(format!("{e} after {}", show(buffer))),
        }
    }
}

/// THE test of the chapter: ten thousand keep-alive connections to the
/// runner's `c10k-server`, each answered, all held idle; the server's
/// resident memory per idle connection measured, printed, and bounded.
#[test]
fn ten_thousand_idle_connections_in_little_memory() {
    enough_descriptors();
    // The machine to itself against the other suites' ten thousand
    // connections: serial_test would order this process's tests only.
    let _lock = machine_lock("c10k");
    let base = tempfile::tempdir().expect("a temporary folder");
    let page = b"<!doctype html><p>one of ten thousand</p>\n".repeat(12);
    std::fs::write(base.path().join("index.html"), &page).expect("the page");
    let root = base.path().to_str().expect("a UTF-8 temporary path");
    let (program, addr) = Program::start_server(&[
        "c10k-server",
        "--root",
        root,
        "--addr",
        "127.0.0.1:0",
        "--idle-ms",
        "600000",
    ]);
    let pid = program.pid();
    let request = get("/");
    let mut buffer = Vec::new();
    let fail = |what: String, got: String| -> ! {
        Report::sent(what)
            .expected("an answer 200 on every connection")
            .got(format!("{got}; the server's stderr: {}", program.stderr_text()))
            .cause("accept until WouldBlock; past the soft limit on open files, accept fails with EMFILE: raise it (the program does)")
            .fail()
    };
    let open = |i: usize| -> TcpStream {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
            .unwrap_or_else(|e| fail(format!("connection {i}"), e.to_string()));
        drop(stream.set_read_timeout(Some(Duration::from_secs(20))));
        stream
    };
    // Warm the server up (its scratch buffer, its clock), then measure.
    let mut first = open(0);
    (&first).write_all(&request).expect("sending the first GET");
    if let Err(e) = read_answer(&mut first, &mut buffer) {
        fail("GET / on the first connection".into(), e);
    }
    drop(first);
    let before = resident_memory(pid);
    let mut held: Vec<TcpStream> = Vec::with_capacity(CONNECTIONS);
    // In batches: a batch's connections wait in the accept queue (at most
    // 500 of its 4096), then each is read.
    for batch in 0..CONNECTIONS / 500 {
        let start = held.len();
        for i in start..start + 500 {
            let stream = open(i);
            if let Err(e) = (&stream).write_all(&request) {
                fail(
                    format!("GET / on connection {i} of {CONNECTIONS}"),
                    e.to_string(),
                );
            }
            held.push(stream);
        }
        for (i, stream) in held[start..].iter_mut().enumerate() {
            match read_answer(stream, &mut buffer) {
                Ok(200) => {}
                Ok(status) => fail(
                    format!(
                        "GET / on connection {} of {CONNECTIONS} (batch {batch})",
                        start + i
                    ),
                    format!("{status}"),
                ),
                Err(e) => fail(
                    format!("GET / on connection {} of {CONNECTIONS}", start + i),
                    e,
                ),
            }
        }
    }
    let after = resident_memory(pid);
    let per = after.saturating_sub(before) as f64 / CONNECTIONS as f64 / 1024.0;
    println!(
        "c10k-server: resident memory {} KiB before, {} KiB at {CONNECTIONS} idle connections: \
         {per:.3} KiB per connection (nginx: about 0.5)",
        before / 1024,
        after / 1024
    );
    if per > MAX_KIB_PER_CONNECTION {
        Report::sent(format!(
            "{CONNECTIONS} connections, one GET / each, all answered and idle"
        ))
        .expected(format!(
            "at most {MAX_KIB_PER_CONNECTION} KiB of resident memory per idle connection"
        ))
        .got(format!(
            "{per:.2} KiB ({} KiB before, {} KiB after)",
            before / 1024,
            after / 1024
        ))
        .cause(
            "an idle connection holds no buffer: read into the loop's one scratch buffer, \
                    keep only a leftover, send from the site's shared bytes, and free \
                    (Vec::new(), not clear()) a connection's buffers when they empty",
        )
        .fail();
    }
    // They are all still served: one more request on every 100th.
    for i in (0..CONNECTIONS).step_by(100) {
        let stream = &mut held[i];
        if let Err(e) = stream.write_all(&request) {
            fail(
                format!("a second GET / on idle connection {i}"),
                e.to_string(),
            );
        }
        match read_answer(stream, &mut buffer) {
            Ok(200) => {}
            Ok(status) => fail(
                format!("a second GET / on idle connection {i}"),
                format!("{status}"),
            ),
            Err(e) => fail(format!("a second GET / on idle connection {i}"), e),
        }
    }
}
