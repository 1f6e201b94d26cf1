//! Tests of the exercise `serve-image` (book: ch4/serve-image.md): the seed's
//! image for a browser, served one client at a time. Real clients ask: `ureq`
//! (a well-kept HTTP client), raw bytes (one at a time, half a request, a
//! reset, nothing at all), the runner's program, and headless Chromium when
//! it is installed. Responses read as raw bytes are parsed with `httparse`.

use netkit_tests::harness::{
    Browser, Liveness, Program, Report, STEP, ServerThread, TIMEOUT, TcpPeer, show, tcp_sockets_at,
    wait_for,
};
use netkit_tests::kit::ch4::serve_image::{self, content_type};
use rstest::rstest;
use std::io::{ErrorKind, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The image the kit ships for the runner (120×80 pixels).
const IMAGE: &[u8] = include_bytes!("../../../data/serve-image.png");
const IMAGE_SIZE: (u32, u32) = (120, 80);

/// How long the server under test gives a client: short, so that the tests
/// of a silent client take a fraction of a second.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(300);

/// How long a second client waits for the image while a first one holds the
/// server: its timeout twice (to send, then to take the answer), and ample
/// room for a loaded machine.
const HELD_LIMIT: Duration = Duration::from_secs(4);

/// A server under test, serving `bytes` as the file `name`.
struct Served {
    server: ServerThread,
    addr: SocketAddr,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Served {
    fn start(name: &str, bytes: &[u8]) -> Served {
        Served::start_with(name, bytes, CLIENT_TIMEOUT)
    }

    /// With a longer `timeout`, for a client that sends its request byte by
    /// byte (each waited for: a whole request takes longer than
    /// [`CLIENT_TIMEOUT`]).
    fn start_with(name: &str, bytes: &[u8], timeout: Duration) -> Served {
        let dir = tempfile::tempdir().expect("a temporary folder for the image");
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("writing the image");
        let image = path.clone();
        let (server, addr) = ServerThread::on_loopback("serve_image::serve", move |listener| {
            serve_image::serve(listener, &image, timeout)
        });
        Served {
            server,
            addr,
            path,
            _dir: dir,
        }
    }

    fn png() -> Served {
        Served::start("serve-image.png", IMAGE)
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// A response as a client reads it.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn head(&self) -> String {
        let fields: Vec<String> = self
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}"))
            .collect();
        format!("status {}, {}", self.status, fields.join(", "))
    }
}

/// `GET url` with ureq, on a thread of its own, while the server is watched:
/// a server that stopped (a stub's `todo!()`) fails the test at once, not
/// after ureq's timeout.
fn ureq_get(watched: &dyn Liveness, url: &str) -> Answer {
    ureq_get_within(watched, url, TIMEOUT).unwrap_or_else(|e| {
        Report::sent(format!("GET {url} (ureq)"))
            .expected("an HTTP response")
            .got(format!("ureq failed: {e}"))
            .cause("the answer must be a whole HTTP/1.1 response: status line, headers, CRLF CRLF, then Content-Length bytes")
            .fail()
    })
}

/// `GET url` with ureq giving up after `limit`: the answer, or why ureq
/// failed. A server that stopped fails the test at once.
fn ureq_get_within(watched: &dyn Liveness, url: &str, limit: Duration) -> Result<Answer, String> {
    let (tx, rx) = mpsc::channel();
    let target = url.to_string();
    std::thread::spawn(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(limit))
            .http_status_as_error(false)
            .build()
            .into();
        let result = agent
            .get(&target)
            .call()
            .map_err(|e| e.to_string())
            .map(|mut response| Answer {
                status: response.status().as_u16(),
                headers: response
                    .headers()
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.to_string(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect(),
                body: response.body_mut().read_to_vec().unwrap_or_default(),
            });
        let _ = tx.send(result);
    });
    let outcome = wait_for(watched, || match rx.recv_timeout(STEP) {
        Ok(result) => Ok(Some(result)),
        Err(mpsc::RecvTimeoutError::Timeout) => Ok(None),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Ok(Some(Err("its thread panicked".to_string())))
        }
    });
    match outcome {
        Ok(result) => result,
        Err(e) => Report::sent(format!("GET {url} (ureq)"))
            .expected("an HTTP response")
            .got(format!("{e}"))
            .cause("is the server stuck reading an earlier client, or waiting for more than one request?")
            .fail(),
    }
}

/// Sends `request` on a new connection and reads the answer to its end
/// (the server closes after each answer), then parses it.
fn exchange(served: &Served, request: &[u8]) -> (Answer, Vec<u8>) {
    let mut peer = TcpPeer::connect_watched(served.addr, &served.server);
    peer.send(request);
    let raw = peer.read_to_end(&served.server, "a whole response, then the close");
    (parse(&raw, request), raw)
}

/// The status, headers and what follows the head in `raw`, or a report.
fn parse(raw: &[u8], request: &[u8]) -> Answer {
    let mut fields = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut fields);
    match response.parse(raw) {
        Ok(httparse::Status::Complete(used)) => Answer {
            status: response.code.unwrap_or(0),
            headers: response
                .headers
                .iter()
                .map(|h| (h.name.to_string(), String::from_utf8_lossy(h.value).into_owned()))
                .collect(),
            body: raw[used..].to_vec(),
        },
        other => Report::sent(show(request))
            .expected("a whole HTTP response head, then the close")
            .got(format!("{} ({other:?})", show(raw)))
            .cause(if raw.is_empty() {
                "the connection closed with no answer: was the request read whole (every read fed to the parser until next_request gives it)?"
            } else {
                "the head is the status line, header lines ending in CRLF, and an empty line"
            })
            .fail(),
    }
}

#[rstest]
#[case::jpg("photo.jpg", "image/jpeg")]
#[case::jpeg("photo.jpeg", "image/jpeg")]
#[case::upper_case("PHOTO.JPG", "image/jpeg")]
#[case::png("dot.png", "image/png")]
#[case::gif("anim.gif", "image/gif")]
#[case::webp("small.webp", "image/webp")]
#[case::svg("logo.svg", "image/svg+xml")]
#[case::in_a_folder("img/a.b/logo.Png", "image/png")]
#[case::unknown("notes.txt", "application/octet-stream")]
#[case::no_extension("README", "application/octet-stream")]
fn content_type_follows_the_extension(#[case] path: &str, #[case] expected: &str) {
    let got = content_type(Path::new(path));
    if got != expected {
        Report::sent(format!("content_type({path:?})"))
            .expected(expected)
            .got(got)
            .cause("the extension decides, in any case; an unknown one is application/octet-stream (some bytes), never text/html")
            .fail();
    }
}

#[rstest]
#[case::png("serve-image.png", "image/png")]
#[case::jpeg("photo.JPG", "image/jpeg")]
#[case::svg("logo.svg", "image/svg+xml")]
fn get_gives_the_file_byte_for_byte_with_its_type(#[case] name: &str, #[case] expected: &str) {
    let served = Served::start(name, IMAGE);
    for path in ["/".to_string(), format!("/{name}")] {
        let answer = ureq_get(&served.server, &served.url(&path));
        let length = answer.header("content-length").map(str::to_string);
        let ok = answer.status == 200
            && answer.header("content-type") == Some(expected)
            && length == Some(IMAGE.len().to_string())
            && answer.body == IMAGE;
        if !ok {
            Report::sent(format!("GET {path} (ureq), the image being {} ({} bytes)", served.path.display(), IMAGE.len()))
                .expected(format!(
                    "200, Content-Type: {expected}, Content-Length: {}, and the file's bytes",
                    IMAGE.len()
                ))
                .got(format!(
                    "{}, and a body of {} bytes{}",
                    answer.head(),
                    answer.body.len(),
                    if answer.body == IMAGE { " (the file's)" } else { " (not the file's)" }
                ))
                .cause("`/` and `/NAME` are the image; its Content-Type comes from content_type(path) (the seed sends text/html for everything, and a browser then shows the bytes as text)")
                .fail();
        }
    }
}

/// The server's side of the connection from `client` (at `addr`): how many
/// bytes wait unread there.
fn unread_from(addr: SocketAddr, client: SocketAddr) -> Option<u64> {
    tcp_sockets_at(addr)
        .into_iter()
        .find(|s| SocketAddr::V4(s.remote) == client)
        .map(|s| s.rx_queue)
}

/// Sends `bytes` one at a time, each only once the server has read the one
/// before (none waits unread on its side): each arrives in a `read` of its own.
/// The server's deadline in the test of a request in pieces.
const PIECES_DEADLINE: Duration = Duration::from_secs(120);

/// How many bytes [`send_in_pieces`] sends at a time.
const PIECE: usize = 8;

fn send_in_pieces(served: &Served, peer: &mut TcpPeer, bytes: &[u8]) {
    let client = peer.stream().local_addr().expect("the client's address");
    // Pieces of PIECE bytes, not single bytes: each wait reads
    // /proc/net/tcp, which takes long on a machine with thousands of
    // sockets (the whole suite at once), and 55 of those waits could
    // outlast the server's own deadline for the request.
    for (piece, bytes_of_piece) in bytes.chunks(PIECE).enumerate() {
        let at = piece * PIECE;
        peer.send(bytes_of_piece);
        let read = wait_for(&served.server, || {
            if unread_from(served.addr, client) == Some(0) {
                return Ok(Some(()));
            }
            std::thread::park_timeout(Duration::from_millis(2));
            Ok(None)
        });
        if let Err(e) = read {
            Report::sent(format!("{} in pieces of {PIECE} bytes", show(bytes)))
                .expected(format!(
                    "the server to read the bytes from {at} on and wait for the next"
                ))
                .got(format!("{e}"))
                .cause("the server must keep reading until the parser has a whole request")
                .fail();
        }
    }
}

#[test]
fn a_request_sent_in_pieces_is_answered() {
    // The server's deadline for a whole request is long here: each piece
    // waits for /proc/net/tcp to show it read, which the whole suite's
    // thousands of sockets make slow, and the pieces together may take
    // longer than the harness's TIMEOUT (each wait is still bounded by it).
    let served = Served::start_with("serve-image.png", IMAGE, PIECES_DEADLINE);
    let request = b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bytewise\r\n\r\n";
    let mut peer = TcpPeer::connect_watched(served.addr, &served.server);
    send_in_pieces(&served, &mut peer, request);
    let raw = peer.read_to_end(
        &served.server,
        "the image, after the last byte of the request",
    );
    if raw.is_empty() {
        Report::sent(format!("{} in pieces of 8 bytes, each read by the server before the next", show(request)))
            .expected("200 and the image once the empty line has come")
            .got("the connection closed with no answer")
            .cause("one `read` is not one request (the seed's `recv(1024)`): feed every read to the parser and ask next_request again until it gives a request")
            .fail();
    }
    let answer = parse(&raw, request);
    if answer.status != 200 || answer.body != IMAGE {
        Report::sent(format!(
            "{} in pieces of 8 bytes, each read by the server before the next",
            show(request)
        ))
        .expected("200 and the image")
        .got(format!(
            "{}, a body of {} bytes",
            answer.head(),
            answer.body.len()
        ))
        .cause("the request is whole only at its empty line; until then, read more")
        .fail();
    }
}

#[test]
fn head_gets_the_get_s_head_and_no_body() {
    let served = Served::png();
    let request = b"HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let (answer, raw) = exchange(&served, request);
    let length = IMAGE.len().to_string();
    let ok = answer.status == 200
        && answer.header("content-type") == Some("image/png")
        && answer.header("content-length") == Some(length.as_str())
        && answer.body.is_empty();
    if !ok {
        Report::sent(show(request))
            .expected(format!(
                "200, Content-Type: image/png, Content-Length: {length} (what a GET would get), and no body"
            ))
            .got(format!("{}, then {} bytes after the head: {}", answer.head(), answer.body.len(), show(&raw)))
            .cause("HEAD is GET without the body: build the same Response, image included, and write it with head_only (its Content-Length is the GET's)")
            .fail();
    }
}

#[rstest]
#[case::absolute_form(
    b"GET http://localhost/serve-image.png?v=2 HTTP/1.1\r\nHost: localhost\r\n\r\n",
    200,
    None
)]
#[case::another_file(b"GET /other.png HTTP/1.1\r\nHost: x\r\n\r\n", 404, None)]
#[case::a_folder(b"GET /img/serve-image.png HTTP/1.1\r\nHost: x\r\n\r\n", 404, None)]
#[case::post(
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi",
    405,
    Some("GET, HEAD")
)]
#[case::delete(
    b"DELETE /serve-image.png HTTP/1.1\r\nHost: x\r\n\r\n",
    405,
    Some("GET, HEAD")
)]
#[case::bare_lf(b"GET / HTTP/1.1\nHost: x\n\n", 400, None)]
#[case::no_host(b"GET / HTTP/1.1\r\n\r\n", 400, None)]
#[case::http2(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, None)]
fn other_requests_get_their_status_and_the_next_client_is_served(
    #[case] request: &[u8],
    #[case] status: u16,
    #[case] allow: Option<&str>,
) {
    let served = Served::png();
    let (answer, _) = exchange(&served, request);
    let ok = answer.status == status
        && (allow.is_none() || answer.header("allow") == allow)
        && answer
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
    if !ok {
        Report::sent(show(request))
            .expected(format!(
                "{status}{}, and Connection: close",
                allow.map(|a| format!(" with Allow: {a}")).unwrap_or_default()
            ))
            .got(answer.head())
            .cause("only / and /NAME are here (404); only GET and HEAD (405, and Allow says which); a malformed request gets its ParseError's status()")
            .fail();
    }
    let next = ureq_get(&served.server, &served.url("/"));
    if next.status != 200 || next.body != IMAGE {
        Report::sent(format!("{}, then GET / from another client", show(request)))
            .expected("the next client gets the image")
            .got(next.head())
            .cause("after answering, close that connection and accept the next: one bad request ends one connection, never the server")
            .fail();
    }
}

/// `GET /` from a second client while a first one holds the server.
fn get_while_held(served: &Served, story: &str) {
    let answer = ureq_get_within(&served.server, &served.url("/"), HELD_LIMIT)
        .unwrap_or_else(|e| {
            Report::sent(format!("{story}, then GET / from a second client"))
                .expected(format!(
                    "the image within {HELD_LIMIT:?} (the first client's time is up after {CLIENT_TIMEOUT:?})"
                ))
                .got(format!("ureq failed: {e}"))
                .cause("the server still waits for the first client: give it one deadline (set_read_timeout before each read, to the time left), then answer 408 and move on")
                .fail()
        });
    if answer.status != 200 || answer.body != IMAGE {
        Report::sent(format!("{story}, then GET / from a second client"))
            .expected("the image, once the first client's time is up")
            .got(answer.head())
            .cause("give each client a deadline (set_read_timeout), and then serve the next one")
            .fail();
    }
}

#[test]
fn a_client_that_sends_nothing_holds_the_server_only_until_its_timeout() {
    let served = Served::png();
    let silent = TcpPeer::connect_watched(served.addr, &served.server);
    let story = format!(
        "a client that connects and sends nothing (the server's timeout: {CLIENT_TIMEOUT:?})"
    );
    get_while_held(&served, &story);
    drop(silent);
}

/// What the server sends until it closes, if it closes within `limit`.
fn read_to_end_within(watched: &dyn Liveness, peer: &TcpPeer, limit: Duration) -> Option<Vec<u8>> {
    let deadline = Instant::now() + limit;
    let mut all = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut stream = peer.stream();
    loop {
        // The peer's reads time out after a STEP: then the server is looked at.
        match stream.read(&mut chunk) {
            Ok(0) => return Some(all),
            Ok(n) => all.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return Some(all),
        }
        if let Err(why) = watched.check() {
            Report::sent(peer.sent())
                .expected("an answer, then the close")
                .got(why)
                .cause("see the message above: the server stopped")
                .fail();
        }
        if Instant::now() >= deadline {
            return None;
        }
    }
}

#[test]
fn a_client_that_stops_half_way_gets_408_and_the_next_is_served() {
    let served = Served::png();
    let half = b"GET / HTTP/1.1\r\nHost: loc";
    let mut peer = TcpPeer::connect_watched(served.addr, &served.server);
    peer.send(half);
    let Some(raw) = read_to_end_within(&served.server, &peer, HELD_LIMIT) else {
        Report::sent(format!(
            "{}, and then nothing (the server's timeout: {CLIENT_TIMEOUT:?})",
            show(half)
        ))
        .expected(format!("408 Request Timeout and the close, within {HELD_LIMIT:?}"))
        .got("no close: the server still waits for the rest of the request")
        .cause("give each client one deadline (set_read_timeout before each read, to the time left); when a read times out (WouldBlock or TimedOut), answer 408 and close")
        .fail()
    };
    let answer = parse(&raw, half);
    if answer.status != 408 {
        Report::sent(format!(
            "{}, and then nothing (the server's timeout: {CLIENT_TIMEOUT:?})",
            show(half)
        ))
        .expected("408 Request Timeout, then the close")
        .got(answer.head())
        .cause("when the read times out (WouldBlock or TimedOut), answer 408 and close")
        .fail();
    }
    get_while_held(&served, &format!("{}, and then nothing", show(half)));
}

#[test]
fn a_client_that_resets_does_not_stop_the_server() {
    let served = Served::start_with("serve-image.png", IMAGE, TIMEOUT);
    let half = b"GET / HTTP/1.1\r\n";
    let mut peer = TcpPeer::connect_watched(served.addr, &served.server);
    // The server has read it, and waits in `read` for the rest when the reset comes.
    send_in_pieces(&served, &mut peer, half);
    peer.reset();
    let answer = ureq_get(&served.server, &served.url("/"));
    if answer.status != 200 || answer.body != IMAGE {
        Report::sent(format!("{}, then a reset (RST), then GET / from another client", show(half)))
            .expected("the next client gets the image")
            .got(answer.head())
            .cause("an error with one client (ECONNRESET here) ends that connection only: print it in the accept loop, do not return it with `?`")
            .fail();
    }
}

#[test]
fn the_program_serves_the_kit_s_image_by_default() {
    let (program, addr) = Program::start_server(&["serve-image", "--addr", "127.0.0.1:0"]);
    let answer = ureq_get(&program, &format!("http://{addr}/"));
    if answer.status != 200
        || answer.body != IMAGE
        || answer.header("content-type") != Some("image/png")
    {
        Report::sent(format!(
            "`{}`, then GET http://{addr}/",
            program.command_line()
        ))
        .expected(format!(
            "200, image/png, and data/serve-image.png ({} bytes)",
            IMAGE.len()
        ))
        .got(format!(
            "{}, a body of {} bytes",
            answer.head(),
            answer.body.len()
        ))
        .cause("the program serves the kit's data/serve-image.png when --image is not given")
        .fail();
    }
}

#[test]
fn chromium_shows_the_image_at_its_size() {
    let served = Served::png();
    // First a client that fails at once when the server does not answer;
    // Chromium would wait for it.
    let (answer, _) = exchange(&served, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    if answer.status != 200 {
        Report::sent("GET / before Chromium's")
            .expected("200 and the image")
            .got(answer.head())
            .fail();
    }
    let Some(browser) = Browser::or_skip("Chromium shows the served image") else {
        return;
    };
    let url = served.url("/");
    let dom = browser.dump_dom(&url);
    // Chromium shows an image it was sent as such in its image viewer: an
    // <img> of the URL, and the image's size in the title once decoded.
    let size = format!("({}×{})", IMAGE_SIZE.0, IMAGE_SIZE.1);
    if !dom.contains("<img") || !dom.contains(&size) {
        Report::sent(format!("chromium --headless --dump-dom {url}"))
            .expected(format!("its image viewer: an <img src=\"{url}\"> and {size} in the title"))
            .got(dom.chars().take(600).collect::<String>())
            .cause("the browser trusts Content-Type, not the bytes: an image sent as text/html is shown as text")
            .fail();
    }
}
