//! Tests of the exercise `web-server` (book: ch4/web-server.md): the path
//! rules and content types called directly; then the server over real
//! sockets, spoken to with raw bytes (read back with `httparse`, a client's
//! parser used as an oracle), with `ureq` and with `curl`: keep-alive,
//! pipelining, HEAD, 405, the site's 404 page, requests in pieces, bad
//! requests, traversal over the wire, large files in little memory, a
//! client that does not read, idle clients; and the site in Chromium.

use netkit_tests::harness::tools::Tool;
use netkit_tests::harness::{
    Browser, Liveness, Program, Report, STEP, ServerThread, TcpPeer, XorShift, peak_memory, show,
    test_site::png_size, unread_by_server,
};
use netkit_tests::kit::ch4::web_server::{self as kit, Config, Refusal, content_type, resolve};
use rstest::rstest;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;

// ---------------------------------------------------------------- the site

/// What a file outside the root holds: it must never come back.
const SECRET: &[u8] = b"TOP SECRET: this file is outside the root";

/// A large file's size: far past the exercise's SMALL_FILE (64 KiB).
const BIG: usize = 3 * 1024 * 1024;

/// The seed's site (data/site), with more around it: a sub-folder, a large
/// file, links in and out of the root, a FIFO, names with `%` in them, and
/// a secret beside the root (and in a sibling whose name starts like the
/// root's).
struct Site {
    _base: TempDir,
    root: PathBuf,
}

impl Site {
    fn new() -> Site {
        let base = tempfile::tempdir().expect("a temporary folder for the site");
        let root = base.path().join("site");
        let write = |name: &str, bytes: &[u8]| {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().expect("a file has a folder"))
                .expect("making the site's folders");
            std::fs::write(path, bytes).expect("writing the site's file");
        };
        for (name, bytes) in SEED_SITE {
            write(name, bytes);
        }
        write("sub/index.html", b"<p>the sub-folder's index</p>");
        write("big.bin", &XorShift::seeded(7).bytes(BIG));
        write("%2e%2e/x.txt", b"a folder literally named %2e%2e");
        write("a%41.txt", b"a file literally named a%41.txt");
        std::fs::create_dir_all(base.path().join("outside")).expect("the outside folder");
        std::fs::write(base.path().join("outside/secret.txt"), SECRET).expect("the secret");
        std::fs::create_dir_all(base.path().join("site2")).expect("the sibling folder");
        std::fs::write(base.path().join("site2/secret.txt"), SECRET).expect("the sibling's secret");
        let link = |target: &Path, name: &str| {
            std::os::unix::fs::symlink(target, root.join(name)).expect("making a symbolic link");
        };
        link(Path::new("index.html"), "inside");
        link(Path::new("../outside/secret.txt"), "out");
        link(Path::new("../outside"), "outdir");
        link(&base.path().join("outside/secret.txt"), "absolute");
        link(Path::new("../site2/secret.txt"), "sibling");
        nix::unistd::mkfifo(&root.join("fifo"), nix::sys::stat::Mode::S_IRWXU)
            .expect("making a FIFO");
        let root = std::fs::canonicalize(&root).expect("the root's canonical path");
        Site { _base: base, root }
    }

    /// Starts the runner's `web-server` on this site, as a user would.
    fn serve_with_the_program(&self) -> (Program, SocketAddr) {
        let root = self.root.to_str().expect("a UTF-8 temporary path");
        Program::start_server(&["web-server", "--root", root, "--addr", "127.0.0.1:0"])
    }

    fn file(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.root.join(name)).expect("reading the site's own file")
    }
}

/// data/site, the site the book's page serves.
const SEED_SITE: &[(&str, &[u8])] = &[
    (
        "index.html",
        include_bytes!("../../../data/site/index.html"),
    ),
    ("style.css", include_bytes!("../../../data/site/style.css")),
    (
        "img/harbour.png",
        include_bytes!("../../../data/site/img/harbour.png"),
    ),
    ("404.html", include_bytes!("../../../data/site/404.html")),
];

// ---------------------------------------------------------------- the path rules

#[rstest]
#[case::the_root_is_its_index("/", Ok("index.html"))]
#[case::a_file("/index.html", Ok("index.html"))]
#[case::a_file_in_a_folder("/img/harbour.png", Ok("img/harbour.png"))]
#[case::a_folder_with_its_slash("/sub/", Ok("sub/index.html"))]
#[case::a_folder_without_its_slash("/sub", Ok("sub/index.html"))]
#[case::dot_segments_are_skipped("/./sub/./index.html", Ok("sub/index.html"))]
#[case::empty_segments_are_skipped("//sub//index.html", Ok("sub/index.html"))]
#[case::the_query_is_no_part_of_the_name("/index.html?v=2", Ok("index.html"))]
#[case::a_fragment_is_no_part_of_the_name("/index.html#top", Ok("index.html"))]
#[case::a_percent_encoded_letter("/ind%65x.html", Ok("index.html"))]
#[case::an_encoded_slash_is_a_slash("/img%2Fharbour.png", Ok("img/harbour.png"))]
#[case::hex_digits_in_either_case("/img%2fharbour.png", Ok("img/harbour.png"))]
#[case::absolute_form("http://example.com/style.css", Ok("style.css"))]
#[case::absolute_form_scheme_in_capitals("HTTP://example.com/style.css", Ok("style.css"))]
#[case::absolute_form_without_a_path("http://example.com", Ok("index.html"))]
#[case::a_link_that_stays_inside("/inside", Ok("index.html"))]
#[case::decoded_once_a_literal_percent_folder("/%252e%252e/x.txt", Ok("%2e%2e/x.txt"))]
#[case::decoded_once_a_literal_percent_file("/a%2541.txt", Ok("a%41.txt"))]
#[case::dot_dot("/../outside/secret.txt", Err(Refusal::Forbidden))]
#[case::dot_dot_inside_the_path("/sub/../index.html", Err(Refusal::Forbidden))]
#[case::dot_dot_at_the_end("/sub/..", Err(Refusal::Forbidden))]
#[case::dot_dot_to_nothing_there("/../no-such-file", Err(Refusal::Forbidden))]
#[case::encoded_dot_dot("/%2e%2e/outside/secret.txt", Err(Refusal::Forbidden))]
#[case::encoded_dot_dot_in_capitals("/%2E%2E/outside/secret.txt", Err(Refusal::Forbidden))]
#[case::half_encoded_dot_dot("/.%2e/no-such-file", Err(Refusal::Forbidden))]
#[case::encoded_dot_dot_to_nothing_there("/%2e%2e/no-such-file", Err(Refusal::Forbidden))]
#[case::encoded_dot_dot_that_stays_inside("/sub/%2e%2e/index.html", Err(Refusal::Forbidden))]
#[case::encoded_slashes_around_dot_dot(
    "/sub%2f..%2f..%2foutside%2fsecret.txt",
    Err(Refusal::Forbidden)
)]
#[case::a_backslash("/..\\outside\\secret.txt", Err(Refusal::Forbidden))]
#[case::an_encoded_backslash("/%5c..%5coutside%5csecret.txt", Err(Refusal::Forbidden))]
#[case::absolute_form_with_dot_dot(
    "http://example.com/../outside/secret.txt",
    Err(Refusal::Forbidden)
)]
#[case::a_link_out_of_the_root("/out", Err(Refusal::Forbidden))]
#[case::a_folder_link_out_of_the_root("/outdir/secret.txt", Err(Refusal::Forbidden))]
#[case::an_absolute_link_out("/absolute", Err(Refusal::Forbidden))]
#[case::a_link_to_a_sibling_with_the_root_s_prefix("/sibling", Err(Refusal::Forbidden))]
#[case::nothing_there("/missing.html", Err(Refusal::NotFound))]
#[case::nothing_there_in_a_folder("/sub/nope/", Err(Refusal::NotFound))]
#[case::a_fifo_is_no_file("/fifo", Err(Refusal::NotFound))]
#[case::a_file_is_no_folder("/index.html/", Err(Refusal::NotFound))]
#[case::double_encoding_is_not_decoded_twice(
    "/%252e%252e/outside/secret.txt",
    Err(Refusal::NotFound)
)]
#[case::an_encoded_nul("/index.html%00.png", Err(Refusal::BadTarget))]
#[case::a_percent_without_digits("/%zz", Err(Refusal::BadTarget))]
#[case::a_percent_cut_short("/index.html%4", Err(Refusal::BadTarget))]
#[case::a_target_without_its_slash("index.html", Err(Refusal::BadTarget))]
#[case::the_asterisk_form("*", Err(Refusal::BadTarget))]
fn resolve_keeps_to_the_root(#[case] target: &str, #[case] expected: Result<&str, Refusal>) {
    use std::os::unix::fs::MetadataExt;
    let site = Site::new();
    let root = std::fs::File::open(&site.root).expect("opening the root");
    let inode = |path: &Path| std::fs::metadata(path).expect("the expected file").ino();
    let expected = expected.map(|name| site.root.join(name));
    let found = resolve(&root, target);
    // The same file, whatever its name (a link inside the root is fine).
    let same = match (&found, &expected) {
        (Ok(found), Ok(path)) => {
            found.file.metadata().map(|m| m.ino()).ok() == Some(inode(path))
                && found.length == std::fs::metadata(path).expect("the expected file").len()
        }
        (Err(got), Err(wanted)) => got == wanted,
        _ => false,
    };
    let got = found.map(|f| f.path);
    if !same {
        let cause = match (&expected, &got) {
            (Err(Refusal::Forbidden), Ok(_)) => {
                "a path out of the root was served: check `..` on the decoded segments (not on the \
                 raw target), refuse backslashes, and open with openat2's RESOLVE_BENEATH so that \
                 no link leads out"
            }
            (Err(Refusal::Forbidden), Err(Refusal::NotFound)) => {
                "a `..` segment is Forbidden whether or not its file exists: check the segments \
                 after decoding, before looking at the disk"
            }
            (Ok(_), Err(Refusal::Forbidden))
            | (Err(Refusal::NotFound), Err(Refusal::Forbidden)) => {
                "decode the target exactly once: %25 is a literal '%', and what it spells is a name"
            }
            (Err(Refusal::BadTarget), _) => {
                "a % must be followed by two hex digits, a NUL may not appear once decoded, and a \
                 target (after an absolute form's scheme and host) starts with '/'"
            }
            _ => "see the page's table of path rules",
        };
        Report::sent(format!(
            "resolve(root, {target:?}), root = {}",
            site.root.display()
        ))
        .expected(match &expected {
            Ok(path) => format!("the file {} opened", path.display()),
            Err(refusal) => format!("{refusal:?}"),
        })
        .got(match &got {
            Ok(path) => format!(
                "a file opened, named {} (not the expected one)",
                path.display()
            ),
            Err(refusal) => format!("{refusal:?}"),
        })
        .cause(cause)
        .fail();
    }
}

#[rstest]
#[case::a_page("index.html", "text/html; charset=utf-8")]
#[case::the_old_extension("old.htm", "text/html; charset=utf-8")]
#[case::capitals("INDEX.HTML", "text/html; charset=utf-8")]
#[case::a_style_sheet("style.css", "text/css; charset=utf-8")]
#[case::a_script("app.js", "text/javascript; charset=utf-8")]
#[case::a_module("app.mjs", "text/javascript; charset=utf-8")]
#[case::json("data.json", "application/json")]
#[case::text("notes.txt", "text/plain; charset=utf-8")]
#[case::png("img/harbour.png", "image/png")]
#[case::jpeg("photo.jpg", "image/jpeg")]
#[case::jpeg_long("photo.JPEG", "image/jpeg")]
#[case::gif("anim.gif", "image/gif")]
#[case::svg("logo.svg", "image/svg+xml")]
#[case::icon("favicon.ico", "image/x-icon")]
#[case::webp("photo.webp", "image/webp")]
#[case::wasm("app.wasm", "application/wasm")]
#[case::a_font("font.woff2", "font/woff2")]
#[case::pdf("paper.pdf", "application/pdf")]
#[case::unknown("big.bin", "application/octet-stream")]
#[case::no_extension("README", "application/octet-stream")]
#[case::a_dot_file("/srv/.html", "application/octet-stream")]
fn content_type_follows_the_extension(#[case] name: &str, #[case] expected: &str) {
    let got = content_type(Path::new(name));
    if got != expected {
        Report::sent(format!("content_type({name:?})"))
            .expected(expected)
            .got(got)
            .cause(
                "match the extension, lowercased; text types carry `; charset=utf-8`, and what \
                 is not on the page's list is application/octet-stream (the seed sent text/html \
                 for everything)",
            )
            .fail();
    }
}

#[rstest]
#[case(Refusal::BadTarget, 400)]
#[case(Refusal::Forbidden, 403)]
#[case(Refusal::NotFound, 404)]
fn each_refusal_has_its_status(#[case] refusal: Refusal, #[case] expected: u16) {
    let got = refusal.status();
    if got != expected {
        Report::sent(format!("{refusal:?}.status()"))
            .expected(expected.to_string())
            .got(got.to_string())
            .fail();
    }
}

// ---------------------------------------------------------------- a client, by hand

/// One response, as a client's parser (httparse) read it.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
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

/// A client played by the test over one connection.
struct Client<'a> {
    peer: TcpPeer,
    server: &'a dyn Liveness,
    addr: SocketAddr,
}

/// The bytes of a GET of `target`, as HTTP/1.1.
fn get(target: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: test\r\n\r\n").into_bytes()
}

impl<'a> Client<'a> {
    fn connect(addr: SocketAddr, server: &'a dyn Liveness) -> Self {
        Client {
            peer: TcpPeer::connect_watched(addr, server),
            server,
            addr,
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.peer.send(bytes);
    }

    /// Reads one response: its head up to the empty line, parsed with
    /// httparse, then `Content-Length` body bytes (none for a HEAD's).
    fn reply(&mut self, head_only: bool, what: &str) -> Reply {
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            match self.peer.try_read_exact(1, self.server) {
                Ok(byte) => head.extend_from_slice(&byte),
                Err((_, why)) => self.fail(what, &head, &why),
            }
            if head.len() > 64 * 1024 {
                self.fail(what, &head, "a head of more than 64 KiB and no empty line");
            }
        }
        let mut fields = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut fields);
        if !matches!(parsed.parse(&head), Ok(httparse::Status::Complete(_))) {
            self.fail(
                what,
                &head,
                "a head that a client's parser (httparse) cannot read",
            );
        }
        let status = parsed.code.unwrap_or(0);
        let headers: Vec<(String, String)> = parsed
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_string(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect();
        let mut reply = Reply {
            status,
            headers,
            body: Vec::new(),
        };
        let Some(length) = reply
            .header("content-length")
            .and_then(|v| v.trim().parse().ok())
        else {
            self.fail(
                what,
                &head,
                "no Content-Length: the client cannot know where the body ends",
            );
        };
        if !head_only {
            match self.peer.try_read_exact(length, self.server) {
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
    fn ask(&mut self, request: &[u8], what: &str) -> Reply {
        self.send(request);
        let head_only = request.starts_with(b"HEAD ");
        self.reply(head_only, what)
    }

    fn fail(&self, what: &str, head: &[u8], why: &str) -> ! {
        Report::sent(self.peer.sent())
            .expected(what)
            .got(format!("{} ({why})", show(&head[..head.len().min(200)])))
            .cause(
                "each request gets a status line, header lines with a right Content-Length, an \
                 empty line, then exactly that many body bytes",
            )
            .fail()
    }

    /// The server closes the connection, sending nothing more.
    fn expect_closed(&mut self, what: &str) {
        self.peer.expect_closed(self.server, what);
    }
}

/// Fails unless `reply` is `status` with `body`.
#[track_caller]
fn expect(reply: &Reply, sent: &str, status: u16, body: &[u8], cause: &str) {
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

/// A watch that also gives up at a deadline: for the waits whose answer a
/// correct server gives in milliseconds, so that a server that will never
/// give it (it dropped the request, or spins) fails in seconds, not at the
/// harness's TIMEOUT.
struct Within<'a> {
    server: &'a dyn Liveness,
    until: std::time::Instant,
    limit: Duration,
}

/// What [`Within`] allows: generous for a loaded machine (a correct server
/// answers these in milliseconds), and under the mutant check's 10 s.
const SOON: Duration = Duration::from_secs(3);

impl<'a> Within<'a> {
    fn new(server: &'a dyn Liveness, limit: Duration) -> Self {
        Within {
            server,
            until: std::time::Instant::now() + limit,
            limit,
        }
    }
}

impl Liveness for Within<'_> {
    fn check(&self) -> Result<(), String> {
        self.server.check()?;
        if std::time::Instant::now() >= self.until {
            return Err(format!("nothing within {} s", self.limit.as_secs()));
        }
        Ok(())
    }
}

/// The server on a thread of the test, serving `site`.
fn start(site: &Site) -> (ServerThread, SocketAddr) {
    start_with(site, kit::IDLE_TIMEOUT)
}

fn start_with(site: &Site, idle: Duration) -> (ServerThread, SocketAddr) {
    let mut config = Config::new(&site.root);
    config.idle_timeout = idle;
    ServerThread::on_loopback("web_server::serve", move |listener| {
        kit::serve(listener, config)
    })
}

// ---------------------------------------------------------------- serving

#[test]
fn serves_the_index_its_type_and_its_length() {
    let site = Site::new();
    let (server, addr) = start(&site);
    let mut client = Client::connect(addr, &server);
    let reply = client.ask(&get("/"), "the site's index.html");
    expect(
        &reply,
        "GET /",
        200,
        &site.file("index.html"),
        "`/` is the root's index.html",
    );
    let kind = reply.header("content-type");
    if kind != Some("text/html; charset=utf-8") {
        Report::sent("GET /")
            .expected("Content-Type: text/html; charset=utf-8")
            .got(format!("{kind:?}"))
            .cause("the Content-Type comes from the file's extension (content_type)")
            .fail();
    }
    let reply = client.ask(&get("/img/harbour.png"), "the image");
    expect(
        &reply,
        "GET /img/harbour.png",
        200,
        &site.file("img/harbour.png"),
        "a file in a folder",
    );
    if reply.header("content-type") != Some("image/png") {
        Report::sent("GET /img/harbour.png")
            .expected("Content-Type: image/png")
            .got(reply.summary())
            .cause("an image sent as text/html (the seed's way) is not shown by a browser")
            .fail();
    }
}

#[test]
fn a_missing_file_gets_the_site_s_own_404_page() {
    let site = Site::new();
    let (server, addr) = start(&site);
    let mut client = Client::connect(addr, &server);
    let reply = client.ask(&get("/missing.html"), "404 with the site's 404.html");
    expect(
        &reply,
        "GET /missing.html",
        404,
        &site.file("404.html"),
        "a missing file gets 404 and the body of the root's 404.html",
    );
    // Without a 404.html, a page of the server's own.
    std::fs::remove_file(site.root.join("404.html")).expect("removing 404.html");
    let reply = client.ask(&get("/missing.html"), "404 with a page of the server's own");
    let html = reply
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/html"));
    if reply.status != 404 || reply.body.is_empty() || !html {
        Report::sent("GET /missing.html, with no 404.html in the root")
            .expected("404 with a small HTML page of the server's own")
            .got(reply.summary())
            .cause("a site without a 404.html still gets a page a browser shows, not an empty one")
            .fail();
    }
}

#[test]
fn head_gets_the_head_alone() {
    let site = Site::new();
    let (server, addr) = start(&site);
    let mut client = Client::connect(addr, &server);
    let reply = client.ask(
        b"HEAD /index.html HTTP/1.1\r\nHost: test\r\n\r\n",
        "HEAD's answer",
    );
    let length = reply
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok());
    if reply.status != 200 || length != Some(site.file("index.html").len()) {
        Report::sent(client.peer.sent())
            .expected(format!(
                "200 with the Content-Length a GET gets ({})",
                site.file("index.html").len()
            ))
            .got(reply.summary())
            .fail();
    }
    // The next answer comes right after the head: a HEAD's body would be
    // read as the start of it.
    let reply = client.ask(&get("/style.css"), "the answer to a GET after a HEAD");
    expect(
        &reply,
        "HEAD /index.html, then GET /style.css",
        200,
        &site.file("style.css"),
        "an answer to HEAD has no body: the bytes after its head belong to the next answer",
    );
}

#[rstest]
#[case::post(b"POST /index.html HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello".as_slice())]
#[case::delete(b"DELETE /index.html HTTP/1.1\r\nHost: test\r\n\r\n".as_slice())]
#[case::put(b"PUT /new.html HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\n\r\nhi".as_slice())]
fn other_methods_get_405_with_allow(#[case] request: &[u8]) {
    let site = Site::new();
    let (server, addr) = start(&site);
    let mut client = Client::connect(addr, &server);
    let reply = client.ask(request, "405 Method Not Allowed");
    let allow = reply.header("allow").unwrap_or("");
    if reply.status != 405 || !allow.contains("GET") || !allow.contains("HEAD") {
        Report::sent(show(request))
            .expected("405 with `Allow: GET, HEAD`")
            .got(reply.summary())
            .cause("RFC 9110 15.5.6: a 405 says which methods the resource does allow")
            .fail();
    }
    let reply = client.ask(
        &get("/style.css"),
        "the next request on the same connection",
    );
    expect(
        &reply,
        "a GET after the refused method",
        200,
        &site.file("style.css"),
        "a 405 is an answer like any other: the connection stays for the next request",
    );
    assert!(
        !site.root.join("new.html").exists(),
        "a PUT wrote a file into the root"
    );
}

#[test]
fn keeps_the_connection_for_a_hundred_requests() {
    let site = Site::new();
    let (server, addr) = start(&site);
    let mut client = Client::connect(addr, &server);
    let names = [
        "/index.html",
        "/style.css",
        "/img/harbour.png",
        "/missing",
        "/sub/",
    ];
    for i in 0..100 {
        let target = names[i % names.len()];
        let reply = client.ask(&get(target), "an answer on the kept connection");
        if reply
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
        {
            Report::sent(format!(
                "request {} (GET {target}, HTTP/1.1) on one connection",
                i + 1
            ))
            .expected("Connection: keep-alive, and the connection kept open")
            .got(reply.summary())
            .cause("HTTP/1.1 keeps the connection unless a side says close (keep_alive)")
            .fail();
        }
    }
}

#[test]
fn answers_pipelined_requests_in_order() {
    let site = Site::new();
    let (server, addr) = start(&site);
    let soon = Within::new(&server, SOON);
    let mut client = Client::connect(addr, &soon);
    let order = [
        ("/index.html", 200, "index.html"),
        ("/big.bin", 200, "big.bin"),
        ("/style.css", 200, "style.css"),
        ("/missing.html", 404, "404.html"),
        ("/img/harbour.png", 200, "img/harbour.png"),
        ("/big.bin", 200, "big.bin"),
        ("/", 200, "index.html"),
    ];
    let burst: Vec<u8> = order
        .iter()
        .flat_map(|(target, _, _)| get(target))
        .collect();
    client.send(&burst);
    for (i, (target, status, file)) in order.iter().enumerate() {
        let reply = client.reply(
            false,
            &format!("answer {} of {}, to GET {target}", i + 1, order.len()),
        );
        if reply.status != *status || reply.body != site.file(file) {
            Report::sent(format!(
                "{} pipelined requests in one write: {}",
                order.len(),
                order
                    .iter()
                    .map(|(t, _, _)| format!("GET {t}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .expected(format!("answer {} to be {status} with {file}", i + 1))
            .got(reply.summary())
            .cause(
                "every request in the buffer is answered, in order: the parser keeps what \
                        follows a request, and a large file is sent whole before the next answer",
            )
            .fail();
        }
    }
}

/// Waits until the server has read everything sent so far (its socket's
/// receive queue is empty), each look blocking on our own socket for a
/// STEP: a response that comes meanwhile is an answer to a request that
/// is not whole yet, and fails the test.
fn until_read(client: &mut Client, what: &str) {
    let addr = client.addr;
    let outcome = netkit_tests::harness::wait_for(client.server, || {
        if unread_by_server(addr) == 0 {
            return Ok(Some(()));
        }
        let mut look = [0u8; 1];
        match client.peer.stream().peek(&mut look) {
            Ok(_) => Err(io::Error::other("the server sent something")),
            Err(e) => Err(e),
        }
    });
    if let Err(e) = outcome {
        let early = client.peer.read_available();
        Report::sent(client.peer.sent())
            .expected(what)
            .got(if early.is_empty() {
                e.to_string()
            } else {
                format!("an answer already: {}", show(&early))
            })
            .cause("a request is whole only at its empty line: one read is not one request")
            .fail();
    }
}

#[test]
fn a_request_in_pieces_is_answered_once_whole() {
    let site = Site::new();
    let (server, addr) = start(&site);
    let mut client = Client::connect(addr, &server);
    client
        .peer
        .stream()
        .set_read_timeout(Some(STEP))
        .expect("a read timeout");
    let request = get("/style.css");
    let pieces: Vec<&[u8]> = request.chunks(7).collect();
    let (last, before) = pieces.split_last().expect("a request of some bytes");
    for piece in before {
        client.send(piece);
        until_read(
            &mut client,
            "nothing until the request's empty line has come",
        );
    }
    // The last piece completes the request: now the answer may come.
    client.send(last);
    let reply = client.reply(false, "the answer, once the request is whole");
    expect(
        &reply,
        "GET /style.css, 7 bytes at a time, each read by the server before the next",
        200,
        &site.file("style.css"),
        "feed each read to the parser and answer only whole requests",
    );
}

#[rstest]
#[case::http_1_0_closes(b"GET /style.css HTTP/1.0\r\n\r\n".as_slice(), false)]
#[case::http_1_0_asking_to_be_kept(b"GET /style.css HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".as_slice(), true)]
#[case::http_1_1_asking_to_close(b"GET /style.css HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".as_slice(), false)]
#[case::http_1_1_is_kept(b"GET /style.css HTTP/1.1\r\nHost: t\r\n\r\n".as_slice(), true)]
fn keeps_or_closes_as_the_request_says(#[case] request: &[u8], #[case] kept: bool) {
    let site = Site::new();
    let (server, addr) = start(&site);
    let mut client = Client::connect(addr, &server);
    let reply = client.ask(request, "the style sheet");
    expect(
        &reply,
        &show(request),
        200,
        &site.file("style.css"),
        "a plain GET",
    );
    let said = reply
        .header("connection")
        .unwrap_or("")
        .to_ascii_lowercase();
    let wanted = if kept { "keep-alive" } else { "close" };
    if said != wanted {
        Report::sent(show(request))
            .expected(format!("Connection: {wanted}"))
            .got(reply.summary())
            .cause("keep_alive(version, the request's Connection field) decides, and the answer says it")
            .fail();
    }
    if kept {
        let reply = client.ask(
            &get("/index.html"),
            "a second answer on the kept connection",
        );
        expect(
            &reply,
            "a second request",
            200,
            &site.file("index.html"),
            "the connection was kept",
        );
    } else {
        client.expect_closed("the server closes the connection after its answer");
    }
}

#[rstest]
#[case::not_http(b"HELLO\r\n\r\n".as_slice(), 400)]
#[case::bare_lf(b"GET / HTTP/1.1\nHost: t\n\n".as_slice(), 400)]
#[case::http_2(b"GET / HTTP/2.0\r\nHost: t\r\n\r\n".as_slice(), 505)]
#[case::chunked(b"GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".as_slice(), 501)]
#[case::a_nul_in_the_target(b"GET /index.html%00 HTTP/1.1\r\nHost: t\r\n\r\n".as_slice(), 400)]
#[case::a_bad_escape(b"GET /%zz HTTP/1.1\r\nHost: t\r\n\r\n".as_slice(), 400)]
fn a_bad_request_gets_its_status_and_others_are_served(
    #[case] request: &[u8],
    #[case] status: u16,
) {
    let site = Site::new();
    let (server, addr) = start(&site);
    let mut other = Client::connect(addr, &server);
    let mut bad = Client::connect(addr, &server);
    let reply = bad.ask(request, &format!("{status}"));
    if reply.status != status {
        Report::sent(show(request))
            .expected(format!("{status}"))
            .got(reply.summary())
            .cause("the parser's error (or the path's refusal) gives the status")
            .fail();
    }
    let reply = other.ask(&get("/style.css"), "an answer to another client");
    expect(
        &reply,
        "GET /style.css on another connection, after the bad request",
        200,
        &site.file("style.css"),
        "one client's bad request must not stop the server",
    );
}

#[test]
fn a_line_too_long_gets_414_and_a_close() {
    let site = Site::new();
    let (server, addr) = start(&site);
    let mut client = Client::connect(addr, &server);
    let mut request = b"GET /".to_vec();
    request.extend(std::iter::repeat_n(b'a', 9000));
    request.extend_from_slice(b" HTTP/1.1\r\nHost: t\r\n\r\n");
    let reply = client.ask(&request, "414 URI Too Long");
    if reply.status != 414 {
        Report::sent("GET /aaa… (9 000 bytes) HTTP/1.1")
            .expected("414")
            .got(reply.summary())
            .fail();
    }
    client.expect_closed("the close after an error: the bytes after it cannot be trusted");
}

#[rstest]
#[case::dot_dot("/../outside/secret.txt", 403)]
#[case::encoded_dot_dot("/%2e%2e/outside/secret.txt", 403)]
#[case::encoded_slashes("/..%2f..%2foutside%2fsecret.txt", 403)]
#[case::absolute_form("http://test/../outside/secret.txt", 403)]
#[case::a_link_out("/out", 403)]
#[case::double_encoding("/%252e%252e/outside/secret.txt", 404)]
fn never_serves_what_is_outside_the_root(#[case] target: &str, #[case] status: u16) {
    let site = Site::new();
    let (server, addr) = start(&site);
    let mut client = Client::connect(addr, &server);
    let reply = client.ask(&get(target), &format!("{status}, never the file"));
    let leaked = reply.body.windows(SECRET.len()).any(|w| w == SECRET);
    if reply.status != status || leaked {
        Report::sent(format!("GET {target} HTTP/1.1"))
            .expected(format!("{status}, and never the file outside the root"))
            .got(reply.summary())
            .cause("the server must answer with what resolve says")
            .fail();
    }
}

#[test]
fn many_clients_at_once_from_one_thread() {
    let site = Site::new();
    let (server, addr) = start(&site);
    let mut clients: Vec<Client> = (0..50).map(|_| Client::connect(addr, &server)).collect();
    for client in &mut clients {
        client.send(&get("/style.css"));
    }
    for (i, client) in clients.iter_mut().enumerate() {
        let reply = client.reply(false, "the style sheet");
        expect(
            &reply,
            &format!(
                "GET /style.css from client {} of 50, all connected first",
                i + 1
            ),
            200,
            &site.file("style.css"),
            "every client is served at once",
        );
    }
}

#[test]
fn past_its_connection_limit_a_client_gets_503() {
    let site = Site::new();
    let mut config = Config::new(&site.root);
    config.max_connections = 2;
    let (server, addr) = ServerThread::on_loopback("web_server::serve", move |listener| {
        kit::serve(listener, config)
    });
    let soon = Within::new(&server, SOON);
    let mut kept: Vec<Client> = (0..2).map(|_| Client::connect(addr, &soon)).collect();
    for client in &mut kept {
        let reply = client.ask(&get("/style.css"), "an answer within the limit");
        expect(
            &reply,
            "GET /style.css, as one of 2 clients of a server limited to 2",
            200,
            &site.file("style.css"),
            "a plain GET",
        );
    }
    let mut third = Client::connect(addr, &soon);
    let reply = third.reply(false, "503 at once, for the client past the limit");
    if reply.status != 503 {
        Report::sent("a third connection to a server with max_connections = 2")
            .expected("503 Service Unavailable, then the close")
            .got(reply.summary())
            .cause(
                "past max_connections, accept the client, answer 503 and close it: a clean \
                    refusal, not a connection that hangs",
            )
            .fail();
    }
    third.expect_closed("the close after the 503");
    // One of the two leaves, and the server closes its side (so it has
    // taken it out of its table): its place is free again.
    let mut leaving = kept.pop().expect("two clients");
    leaving.peer.shutdown_write();
    leaving.expect_closed("the server closes a connection its client has closed");
    let soon = Within::new(&server, SOON);
    let mut next = Client::connect(addr, &soon);
    let reply = next.ask(&get("/index.html"), "an answer once a place is free");
    expect(
        &reply,
        "GET /index.html after one of the 2 clients closed",
        200,
        &site.file("index.html"),
        "a closed connection gives its place back",
    );
}

#[test]
fn a_client_that_does_not_read_does_not_stall_others() {
    let site = Site::new();
    let (server, addr) = start(&site);
    // Asks for the large file many times, and reads none of it.
    let mut hog = Client::connect(addr, &server);
    let greedy: Vec<u8> = (0..8).flat_map(|_| get("/big.bin")).collect();
    hog.send(&greedy);
    let soon = Within::new(&server, SOON);
    let mut other = Client::connect(addr, &soon);
    for _ in 0..3 {
        let reply = other.ask(
            &get("/index.html"),
            "an answer while another client reads nothing",
        );
        expect(
            &reply,
            "GET /index.html while another client has 24 MiB of answers unread",
            200,
            &site.file("index.html"),
            "a socket that cannot take more must not block the loop: write until WouldBlock, keep \
             the rest, and go on with other connections",
        );
    }
    drop(hog);
}

#[test]
fn drops_a_client_that_sends_half_a_request() {
    let site = Site::new();
    let (server, addr) = start_with(&site, Duration::from_millis(300));
    let soon = Within::new(&server, SOON);
    let mut idle = Client::connect(addr, &soon);
    idle.send(b"GET /index.html HTTP/1.1\r\nHo");
    idle.expect_closed("the server closes a connection idle past its timeout (300 ms here)");
    let soon = Within::new(&server, SOON);
    let mut kept = Client::connect(addr, &soon);
    let reply = kept.ask(&get("/style.css"), "an answer");
    expect(
        &reply,
        "GET /style.css",
        200,
        &site.file("style.css"),
        "a plain GET",
    );
    kept.expect_closed("an idle kept-alive connection is closed after the timeout too");
}

#[test]
fn a_request_too_large_gets_413_and_a_close() {
    let site = Site::new();
    let (server, addr) = start(&site);
    let soon = Within::new(&server, SOON);
    let mut client = Client::connect(addr, &soon);
    // A body far past MAX_REQUEST, all sent at once: the server reads it
    // (then drops it, lingering), so the write completes.
    let mut request =
        b"POST /index.html HTTP/1.1\r\nHost: t\r\nContent-Length: 10000000000\r\n\r\n".to_vec();
    request.extend(std::iter::repeat_n(b'x', 4 * kit::MAX_REQUEST));
    let reply = client.ask(&request, "413 Content Too Large");
    if reply.status != 413 {
        Report::sent(format!(
            "POST with Content-Length: 10000000000, then {} KiB of it",
            4 * kit::MAX_REQUEST / 1024
        ))
        .expected("413, as soon as MAX_REQUEST bytes have come without a whole request")
        .got(reply.summary())
        .cause(
            "a server that waits for a body of any length holds it all in memory: count \
                    what you feed the parser and answer 413 past MAX_REQUEST",
        )
        .fail();
    }
    client.expect_closed("the close after an error");
}

/// How much the flood may grow the server's peak memory.
const FLOOD_BOUND: u64 = 32 * 1024 * 1024;

/// A client that pipelines requests for the large file without end and
/// reads nothing stops being read: the server's memory stays bounded.
#[test]
fn stops_reading_a_client_that_floods_requests() {
    use std::io::Write;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let site = Site::new();
    let (program, addr) = site.serve_with_the_program();
    let pid = program.pid();
    let mut first = Client::connect(addr, &program);
    let reply = first.ask(&get("/style.css"), "the style sheet");
    expect(
        &reply,
        "GET /style.css",
        200,
        &site.file("style.css"),
        "a plain GET",
    );
    let base = peak_memory(pid);
    let flood = std::net::TcpStream::connect(addr).expect("connecting the flooding client");
    flood
        .set_write_timeout(Some(Duration::from_secs(1)))
        .expect("a write timeout");
    let sent = AtomicUsize::new(0);
    let limit = 256 * 1024 * 1024;
    let chunk: Vec<u8> = (0..2000).flat_map(|_| get("/big.bin")).collect();
    std::thread::scope(|scope| {
        let mut writer = flood.try_clone().expect("cloning the flooding socket");
        let (sent, chunk) = (&sent, &chunk);
        scope.spawn(move || {
            while sent.load(Ordering::Relaxed) < limit {
                match writer.write(chunk) {
                    Ok(n) => {
                        sent.fetch_add(n, Ordering::Relaxed);
                    }
                    Err(e) if netkit_tests::harness::liveness::is_timeout(&e) => {}
                    Err(_) => return,
                }
            }
        });
        // Until the server has stopped reading the flood, as the kernel
        // shows it: the whole server asleep, unchanged between two looks a
        // STEP apart, while the flood's bytes wait unread in its socket.
        let mut before = None;
        let outcome = netkit_tests::harness::wait_for(&program, || {
            let grown = peak_memory(pid).saturating_sub(base);
            let now = sent.load(Ordering::Relaxed);
            if grown > FLOOD_BOUND || now >= limit {
                return Ok(Some(Err((grown, now))));
            }
            let look = netkit_tests::harness::all_threads_blocked(pid);
            if look.is_some() && look == before && unread_by_server(addr) > 0 {
                return Ok(Some(Ok(())));
            }
            before = look;
            std::thread::park_timeout(STEP);
            Ok(None)
        });
        let _ = flood.shutdown(std::net::Shutdown::Both);
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err((grown, now))) => Report::sent(format!(
                "{} MiB of pipelined `GET /big.bin` from a client that reads no answer",
                now >> 20
            ))
            .expected(format!(
                "the server to stop reading that client, its peak memory grown by under {} MiB",
                FLOOD_BOUND >> 20
            ))
            .got(format!("grown by {} MiB", grown >> 20))
            .cause(
                "backpressure: while a file is being sent (or much output waits), do not read \
                    the connection; its requests wait in the kernel's buffers",
            )
            .fail(),
            Err(e) => Report::sent("pipelined requests from a client that reads nothing")
                .expected("the server to stop reading them")
                .got(e.to_string())
                .fail(),
        }
    });
    let reply = first.ask(
        &get("/index.html"),
        "an answer to another client after the flood",
    );
    expect(
        &reply,
        "GET /index.html",
        200,
        &site.file("index.html"),
        "one client's flood stops no one else",
    );
}

// ---------------------------------------------------------------- the program, real clients

#[test]
fn the_program_serves_ureq_and_curl() {
    let site = Site::new();
    let (program, addr) = site.serve_with_the_program();
    let url = format!("http://{addr}/style.css");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into();
    for _ in 0..3 {
        let got = agent
            .get(&url)
            .call()
            .map_err(|e| e.to_string())
            .and_then(|mut r| {
                let status = r.status().as_u16();
                let kind = r
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                r.body_mut()
                    .read_to_vec()
                    .map(|b| (status, kind, b))
                    .map_err(|e| e.to_string())
            });
        match got {
            Ok((200, kind, body))
                if kind.starts_with("text/css") && body == site.file("style.css") => {}
            other => Report::sent(format!(
                "ureq: GET {url}, three times on its kept connection"
            ))
            .expected("200, text/css, the style sheet")
            .got(match other {
                Ok((status, kind, body)) => format!("{status}, {kind}, {} bytes", body.len()),
                Err(e) => format!("{e}; {}", program.check().err().unwrap_or_default()),
            })
            .fail(),
        }
    }
    let Some(curl) = Tool::Curl.or_skip("web-server's curl test") else {
        return;
    };
    let out = std::process::Command::new(curl)
        .args([
            "-sS",
            "--max-time",
            "10",
            "--path-as-is",
            "-o",
            "/dev/null",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{content_type}\n",
        ])
        .arg(format!("http://{addr}/img/harbour.png"))
        .arg(format!("http://{addr}/../outside/secret.txt"))
        .output()
        .expect("running curl");
    let text = String::from_utf8_lossy(&out.stdout);
    if text != "200 image/png\n403 text/html; charset=utf-8\n" {
        Report::sent(format!(
            "curl http://{addr}/img/harbour.png http://{addr}/../outside/secret.txt (--path-as-is)"
        ))
        .expected("200 image/png, then 403 text/html; charset=utf-8")
        .got(format!(
            "{text:?}; stderr {}",
            String::from_utf8_lossy(&out.stderr)
        ))
        .fail();
    }
}

/// Serves a large file through the program and reads the program's peak
/// memory: a server that reads a file whole to send it holds all of it.
#[test]
fn streams_a_large_file_in_little_memory() {
    let site = Site::new();
    let size = 48 * 1024 * 1024;
    let mut file =
        std::fs::File::create(site.root.join("large.bin")).expect("creating a large file");
    let mut rng = XorShift::seeded(11);
    for _ in 0..size / (1024 * 1024) {
        std::io::Write::write_all(&mut file, &rng.bytes(1024 * 1024))
            .expect("writing the large file");
    }
    drop(file);
    let (program, addr) = site.serve_with_the_program();
    let mut client = Client::connect(addr, &program);
    client.send(&get("/large.bin"));
    let reply = client.reply(true, "the head of a 48 MiB file");
    let mut left = size;
    let mut rng = XorShift::seeded(11);
    let mut chunk = vec![0u8; 1024 * 1024];
    while left > 0 {
        let want = rng.bytes(1024 * 1024);
        match client.peer.try_read_exact(chunk.len(), &program) {
            Ok(got) if got == want => left -= got.len(),
            Ok(_) => Report::sent("GET /large.bin")
                .expected("the file's bytes, in order")
                .got(format!("different bytes after {} MiB", (size - left) >> 20))
                .fail(),
            Err((got, why)) => Report::sent("GET /large.bin")
                .expected(format!(
                    "{size} bytes (Content-Length {:?})",
                    reply.header("content-length")
                ))
                .got(format!("{} bytes, then: {why}", size - left + got.len()))
                .fail(),
        }
        chunk.truncate(1024 * 1024);
    }
    let peak = peak_memory(program.pid());
    if peak > 24 * 1024 * 1024 {
        Report::sent("GET /large.bin (48 MiB)")
            .expected("the server's peak memory well under the file's size (under 24 MiB)")
            .got(format!("{} MiB at its peak", peak >> 20))
            .cause("send a large file in pieces (sendfile, or bounded reads as the socket takes them), never read whole")
            .fail();
    }
}

/// The book's screenshot: written there when NETKIT_SCREENSHOTS is set.
const SCREENSHOT: &str = "book/src/ch4/img/web-server.png";

#[test]
fn chromium_renders_the_site() {
    let site = Site::new();
    let (program, addr) = site.serve_with_the_program();
    // First as a client of our own, so that a server that cannot serve
    // fails here with its story, browser or not.
    let mut client = Client::connect(addr, &program);
    let reply = client.ask(&get("/"), "the index");
    expect(
        &reply,
        "GET /",
        200,
        &site.file("index.html"),
        "`/` is index.html",
    );
    drop(client);
    let Some(browser) = Browser::or_skip("web-server's browser test") else {
        return;
    };
    let dom = browser.dump_dom(&format!("http://{addr}/"));
    let report = "color=rgb(0, 96, 160) image=160x96";
    if !dom.contains(report) {
        Report::sent(format!(
            "Chromium: load http://{addr}/ (index.html, style.css, img/harbour.png)"
        ))
        .expected(format!("the page's report line: {report:?}"))
        .got(
            dom.lines()
                .find(|l| l.contains("report"))
                .unwrap_or("no report line")
                .to_string(),
        )
        .cause(
            "the style sheet and the image must be served with their types (text/css, image/png)",
        )
        .fail();
    }
    let dom = browser.dump_dom(&format!("http://{addr}/missing.html"));
    if !dom.contains("Not found: the site's own 404 page") {
        Report::sent(format!("Chromium: load http://{addr}/missing.html"))
            .expected("the site's 404.html, rendered")
            .got(dom.chars().take(300).collect::<String>())
            .fail();
    }
    let shot = tempfile::tempdir().expect("a folder for the screenshot");
    let png = shot.path().join("site.png");
    browser.screenshot(&format!("http://{addr}/"), &png, 800, 600);
    let bytes = std::fs::read(&png).expect("reading the screenshot");
    assert_eq!(
        png_size(&bytes),
        Some((800, 600)),
        "the screenshot is a PNG of the window's size"
    );
    if std::env::var_os("NETKIT_SCREENSHOTS").is_some() {
        let book = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(SCREENSHOT);
        std::fs::write(&book, &bytes).expect("writing the book's screenshot");
    }
}
