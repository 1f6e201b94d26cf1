//! Tests of the exercise `ftp-server` (book: ch3/ftp-server.md): the file
//! server against clients played by the test, which writes the protocol's
//! frames by hand (from the wire table, not with the kit's `ftp_protocol`):
//! listing, downloads and uploads byte for byte, hostile names and symlinks,
//! atomic uploads (cut off, or racing for one name), bad frames, a frame of
//! 4 GiB, a stalled client, 20 clients at once, a full pool, and 50 MiB
//! through the program in little memory.

use netkit_tests::harness::{
    Liveness, Program, Report, ServerThread, Task, TcpPeer, XorShift, loopback_listener,
    peak_memory, show,
};
use netkit_tests::kit::ch3::ftp_server::{self as kit, Options, TEMP_PREFIX};
use rstest::rstest;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use tempfile::TempDir;

// ---------------------------------------------------------------- the wire, by hand

const OK: u8 = 0;
const READY: u8 = 1;
const NOT_FOUND: u8 = 2;
const BAD_NAME: u8 = 3;
const EXISTS: u8 = 4;
const BAD_REQUEST: u8 = 5;
const TOO_LONG: u8 = 6;
const BUSY: u8 = 8;

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut bytes = (payload.len() as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(payload);
    bytes
}

fn list() -> Vec<u8> {
    frame(b"L")
}

fn get(name: &[u8]) -> Vec<u8> {
    frame(&[b"G", name].concat())
}

fn put(name: &str, size: u64) -> Vec<u8> {
    frame(&[&b"P"[..], &size.to_be_bytes(), name.as_bytes()].concat())
}

/// A client played by the test: a peer, and the server it watches.
struct Client<'a> {
    peer: TcpPeer,
    server: &'a dyn Liveness,
}

impl<'a> Client<'a> {
    fn connect(addr: SocketAddr, server: &'a dyn Liveness) -> Self {
        Client {
            peer: TcpPeer::connect_watched(addr, server),
            server,
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.peer.send(bytes);
    }

    /// Exactly `n` bytes, or a report saying what came and why no more did.
    fn bytes(&mut self, n: usize, what: &str) -> Vec<u8> {
        if n == 0 {
            return Vec::new();
        }
        match self.peer.try_read_exact(n, self.server) {
            Ok(bytes) => bytes,
            Err((got, why)) => Report::sent(self.peer.sent())
                .expected(format!("{what} ({n} bytes)"))
                .got(format!("{} bytes ({}), then: {why}", got.len(), show(&got[..got.len().min(40)])))
                .cause("each request gets one reply frame: a u32 length, then status, size and message")
                .fail(),
        }
    }

    /// One reply: (status, size, message).
    fn reply(&mut self, what: &str) -> (u8, u64, String) {
        let prefix = self.bytes(4, &format!("the length prefix of {what}"));
        let len = u32::from_be_bytes(prefix.try_into().expect("4 bytes")) as usize;
        if !(9..=1024).contains(&len) {
            Report::sent(self.peer.sent())
                .expected(format!("{what}: a reply frame of 9 to 1024 bytes"))
                .got(format!("a length prefix of {len}"))
                .cause("a reply's payload is the status (1 byte), the size (8 bytes) and a message")
                .fail();
        }
        let payload = self.bytes(len, &format!("the payload of {what}"));
        let size = u64::from_be_bytes(payload[1..9].try_into().expect("8 bytes"));
        (
            payload[0],
            size,
            String::from_utf8_lossy(&payload[9..]).into_owned(),
        )
    }

    /// A reply that must have `status` (and, if given, `size`).
    fn expect(&mut self, status: u8, size: Option<u64>, what: &str, cause: &str) -> (u64, String) {
        let (got, got_size, message) = self.reply(what);
        if got != status || size.is_some_and(|s| s != got_size) {
            Report::sent(self.peer.sent())
                .expected(format!(
                    "{what}: status {status}{}",
                    size.map(|s| format!(", size {s}")).unwrap_or_default()
                ))
                .got(format!(
                    "status {got}, size {got_size}, message {message:?}"
                ))
                .cause(cause)
                .fail();
        }
        (got_size, message)
    }

    /// List: the names, after an Ok.
    fn list(&mut self) -> Vec<String> {
        self.send(&list());
        let (size, _) = self.expect(
            OK,
            None,
            "the reply to List",
            "List is always answered Ok, with the listing's size",
        );
        let body = self.bytes(size as usize, "the listing");
        String::from_utf8_lossy(&body)
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The server must close the connection (what it sends first is ignored).
    fn expect_closed_within(&mut self, limit: Duration, why: &str) {
        let stream = self.peer.stream();
        let deadline = Instant::now() + limit;
        let mut chunk = [0u8; 4096];
        loop {
            match (&mut &*stream).read(&mut chunk) {
                Ok(0) => return,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return,
                Ok(_) | Err(_) => {}
            }
            if let Err(story) = self.server.check() {
                Report::sent(self.peer.sent())
                    .expected(why)
                    .got(story)
                    .fail();
            }
            if Instant::now() >= deadline {
                Report::sent(self.peer.sent())
                    .expected(why.to_string())
                    .got(format!("the connection still open after {} ms", limit.as_millis()))
                    .cause("give the client's socket a read (and write) timeout of the idle timeout, and drop the client when it passes")
                    .fail();
            }
        }
    }
}

// ---------------------------------------------------------------- helpers

fn options(workers: usize, queue: usize) -> Options {
    Options {
        workers,
        queue,
        idle_timeout: Duration::from_secs(30),
    }
}

/// Starts `kit::serve` on a loopback port, serving `root`.
fn start(root: &Path, options: Options) -> (ServerThread, SocketAddr) {
    let listener = loopback_listener();
    let addr = listener
        .local_addr()
        .expect("a bound socket has an address");
    let root = root.to_path_buf();
    let server = ServerThread::spawn("ftp_server::serve", move || {
        kit::serve(listener, &root, &options)
    });
    (server, addr)
}

fn noise(len: usize, seed: u64) -> Vec<u8> {
    XorShift::seeded(seed | 1).bytes(len)
}

/// Bytes that no marker can carry: `##` everywhere and every byte value.
fn binary_with_markers() -> Vec<u8> {
    let mut bytes = b"##".to_vec();
    bytes.extend(0..=255u8);
    bytes.extend_from_slice(b"## Heading\n##");
    bytes.extend((0..=255u8).rev());
    bytes
}

/// Every name in `dir`, hidden ones included, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("listing {} failed: {e}", dir.display()))
        .map(|e| {
            e.expect("a folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// A root, inside a parent folder that also holds `outside.txt` (a file
/// no client may reach).
fn root_with_outside() -> (TempDir, std::path::PathBuf) {
    let parent = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(
        parent.path().join("outside.txt"),
        b"secret outside the root",
    )
    .expect("writing");
    let root = parent.path().join("root");
    std::fs::create_dir(&root).expect("creating the root");
    (parent, root)
}

fn sha256_of(path: &Path) -> [u8; 32] {
    let mut file = File::open(path).unwrap_or_else(|e| panic!("opening {}: {e}", path.display()));
    let mut hasher = Sha256::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut chunk).expect("reading a file");
        if n == 0 {
            return hasher.finalize().into();
        }
        hasher.update(&chunk[..n]);
    }
}

// ---------------------------------------------------------------- list

#[test]
fn list_files_lists_the_regular_files_only_sorted() {
    let (parent, root) = root_with_outside();
    for name in ["b.txt", "a.txt", "照片.jpg", ".env", ".upload-x1y2"] {
        std::fs::write(root.join(name), name).expect("writing a file");
    }
    std::fs::create_dir(root.join("sub")).expect("a folder");
    std::os::unix::fs::symlink(parent.path().join("outside.txt"), root.join("link.txt"))
        .expect("a symlink");
    std::os::unix::fs::symlink(root.join("a.txt"), root.join("inner-link.txt")).expect("a symlink");
    std::os::unix::fs::symlink("/nowhere/at/all", root.join("dangling.txt")).expect("a symlink");
    nix::unistd::mkfifo(&root.join("pipe"), nix::sys::stat::Mode::S_IRWXU).expect("a FIFO");
    std::fs::write(root.join("two\nlines"), b"x").expect("writing a file");

    let got = kit::list_files(&root);
    let expected = ["a.txt", "b.txt", "照片.jpg"];
    if !matches!(&got, Ok(names) if names == &expected) {
        Report::sent(format!("list_files on a root holding {:?}", entries(&root)))
            .expected(format!(
                "Ok({expected:?}): the regular files with good names, sorted"
            ))
            .got(format!("{got:?}"))
            .cause(
                "look at each entry with symlink_metadata (metadata follows links) and keep \
                 only is_file(); drop names that fail check_name (hidden ones, temporary \
                 uploads, control characters); sort",
            )
            .fail();
    }
}

#[test]
fn list_over_the_wire_is_ok_then_the_names_each_with_a_newline() {
    let root = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(root.path().join("b.txt"), b"2").expect("writing");
    std::fs::write(root.path().join("a.txt"), b"1").expect("writing");
    let (server, addr) = start(root.path(), options(2, 2));
    let mut client = Client::connect(addr, &server);
    client.send(&list());
    let (size, _) = client.expect(
        OK,
        Some(12),
        "the reply to List",
        "the size is the listing's length: \"a.txt\\nb.txt\\n\" is 12 bytes",
    );
    let body = client.bytes(size as usize, "the listing");
    if body != b"a.txt\nb.txt\n" {
        Report::sent(client.peer.sent())
            .expected(show(b"a.txt\nb.txt\n"))
            .got(show(&body))
            .cause("each name followed by \\n, in sorted order")
            .fail();
    }
}

// ---------------------------------------------------------------- get

#[rstest]
#[case::empty("empty.txt", Vec::new())]
#[case::markdown("notes.md", b"# Notes\n## Sockets\nbind\n## Threads\n".to_vec())]
#[case::binary_full_of_markers("picture.jpg", binary_with_markers())]
#[case::three_chunks_and_a_bit("big.bin", noise(3 * 64 * 1024 + 4321, 5))]
fn get_sends_the_file_byte_for_byte_then_serves_the_next_request(
    #[case] name: &str,
    #[case] content: Vec<u8>,
) {
    let root = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(root.path().join(name), &content).expect("writing");
    let (server, addr) = start(root.path(), options(2, 2));
    let mut client = Client::connect(addr, &server);
    client.send(&get(name.as_bytes()));
    client.expect(
        OK,
        Some(content.len() as u64),
        &format!("the reply to Get {name}"),
        "Ok, with the file's size",
    );
    let got = client.bytes(content.len(), &format!("the bytes of {name}"));
    if got != content {
        Report::sent(client.peer.sent())
            .expected(format!("{name}'s bytes, exactly"))
            .got(format!("{} bytes, not the same", got.len()))
            .cause("copy exactly the size announced, as bytes")
            .fail();
    }
    let names = client.list();
    if names != [name] {
        Report::sent(client.peer.sent())
            .expected(format!("then, on the same connection, List: [{name:?}]"))
            .got(format!("{names:?}"))
            .cause("after a Get, the next frame starts right after the file's bytes: nothing more, nothing less")
            .fail();
    }
}

#[rstest]
#[case::missing(b"missing.txt".to_vec(), NOT_FOUND)]
#[case::a_folder(b"sub".to_vec(), NOT_FOUND)]
#[case::a_symlink_to_a_file_outside(b"link.txt".to_vec(), NOT_FOUND)]
#[case::a_symlink_to_a_file_inside(b"inner-link.txt".to_vec(), NOT_FOUND)]
#[case::a_fifo(b"pipe".to_vec(), NOT_FOUND)]
#[case::climbs_out(b"../outside.txt".to_vec(), BAD_NAME)]
#[case::absolute(b"/etc/passwd".to_vec(), BAD_NAME)]
#[case::dot_dot(b"..".to_vec(), BAD_NAME)]
#[case::hidden(b".env".to_vec(), BAD_NAME)]
#[case::a_temporary_upload(b".upload-x1y2".to_vec(), BAD_NAME)]
#[case::nul(b"a.txt\0.jpg".to_vec(), BAD_NAME)]
#[case::not_utf8(b"\xff\xfe".to_vec(), BAD_REQUEST)]
fn get_refuses_what_is_no_file_of_the_root_and_keeps_serving(
    #[case] name: Vec<u8>,
    #[case] status: u8,
) {
    let (parent, root) = root_with_outside();
    std::fs::write(root.join("a.txt"), b"inside").expect("writing");
    std::fs::write(root.join(".env"), b"PASSWORD=1").expect("writing");
    std::fs::write(root.join(".upload-x1y2"), b"half").expect("writing");
    std::fs::create_dir(root.join("sub")).expect("a folder");
    std::os::unix::fs::symlink(parent.path().join("outside.txt"), root.join("link.txt"))
        .expect("a symlink");
    std::os::unix::fs::symlink(root.join("a.txt"), root.join("inner-link.txt")).expect("a symlink");
    nix::unistd::mkfifo(&root.join("pipe"), nix::sys::stat::Mode::S_IRWXU).expect("a FIFO");
    let (server, addr) = start(&root, options(2, 2));

    let mut client = Client::connect(addr, &server);
    client.send(&get(&name));
    client.expect(
        status,
        Some(0),
        &format!("the reply to Get {}", show(&name)),
        "only a regular file directly in the root is served: open with O_NOFOLLOW (a symlink \
         fails with ELOOP), then check is_file() on the open file; a bad name is refused by \
         read_request already",
    );
    let names = client.list();
    if names != ["a.txt"] {
        Report::sent(client.peer.sent())
            .expected("then, on the same connection, List: [\"a.txt\"]")
            .got(format!("{names:?}"))
            .cause("a refusal is one reply frame and nothing else: the connection stays in step")
            .fail();
    }
}

// ---------------------------------------------------------------- put

#[rstest]
#[case::empty("empty.txt", Vec::new())]
#[case::binary_full_of_markers("picture.jpg", binary_with_markers())]
#[case::three_chunks_and_a_bit("big.bin", noise(3 * 64 * 1024 + 999, 9))]
fn put_saves_the_file_byte_for_byte_under_its_name(#[case] name: &str, #[case] content: Vec<u8>) {
    let root = tempfile::tempdir().expect("a temporary folder");
    let (server, addr) = start(root.path(), options(2, 2));
    let mut client = Client::connect(addr, &server);
    let size = content.len() as u64;
    client.send(&put(name, size));
    client.expect(
        READY,
        Some(size),
        &format!("the reply to Put {name}"),
        "Ready, with the size the client announced",
    );
    client.send(&content);
    client.expect(
        OK,
        Some(size),
        "the reply after the file's bytes",
        "Ok with the size, once the file is saved under its name",
    );
    let saved = std::fs::read(root.path().join(name)).unwrap_or_default();
    if saved != content || entries(root.path()) != [name] {
        Report::sent(client.peer.sent())
            .expected(format!("the root to hold only {name}, with the bytes sent"))
            .got(format!("the root holds {:?}; {name} has {} bytes", entries(root.path()), saved.len()))
            .cause("copy exactly `size` bytes into the temporary file, then rename it: no temporary file is left")
            .fail();
    }
}

#[rstest]
#[case::a_file("taken.txt", false)]
#[case::a_dangling_symlink("taken.txt", true)]
fn put_refuses_a_name_that_is_taken_before_any_byte(#[case] name: &str, #[case] symlink: bool) {
    let (parent, root) = root_with_outside();
    let target = parent.path().join("created-outside.txt");
    if symlink {
        std::os::unix::fs::symlink(&target, root.join(name)).expect("a symlink");
    } else {
        std::fs::write(root.join(name), b"the original").expect("writing");
    }
    let (server, addr) = start(&root, options(2, 2));
    let mut client = Client::connect(addr, &server);
    client.send(&put(name, 5));
    client.expect(
        EXISTS,
        Some(0),
        &format!(
            "the reply to Put {name} (the name is taken{})",
            if symlink {
                " by a dangling symlink"
            } else {
                ""
            }
        ),
        "look with symlink_metadata (exists() follows links, and a dangling one 'does not exist'); \
         an existing name is never replaced",
    );
    let names = client.list();
    let kept = std::fs::read(root.join(name)).ok();
    if target.exists()
        || (!symlink && kept.as_deref() != Some(&b"the original"[..]))
        || (!symlink && names != [name])
    {
        Report::sent(client.peer.sent())
            .expected("nothing written: the original kept, nothing created through the link")
            .got(format!(
                "created-outside.txt exists: {}; {name} holds {kept:?}; List says {names:?}",
                target.exists()
            ))
            .fail();
    }
}

#[test]
fn put_is_invisible_until_complete_and_a_client_cut_off_leaves_nothing() {
    let root = tempfile::tempdir().expect("a temporary folder");
    let (server, addr) = start(root.path(), options(4, 4));
    let content = noise(1 << 20, 3);
    let mut client = Client::connect(addr, &server);
    client.send(&put("video.bin", content.len() as u64));
    client.expect(
        READY,
        None,
        "the reply to Put video.bin",
        "Ready, then the client sends the bytes",
    );
    client.send(&content[..content.len() / 2]);

    // Half sent: the name must not exist yet, and List must not show anything.
    let mut other = Client::connect(addr, &server);
    let listed = other.list();
    let present = entries(root.path());
    if !listed.is_empty() || present.iter().any(|n| !n.starts_with(TEMP_PREFIX)) {
        Report::sent("Put video.bin (1 MiB), Ready, half the bytes; then List on another connection")
            .expected(format!("an empty listing, and in the root only a hidden {TEMP_PREFIX}… file"))
            .got(format!("List says {listed:?}; the root holds {present:?}"))
            .cause("write into a temporary file in the root (tempfile::Builder with the prefix), rename it when complete")
            .fail();
    }

    // The client dies: its kernel closes its end. The server must then
    // delete the temporary file before it closes its own end, which is
    // what the test waits for: no polling.
    client.peer.shutdown_write();
    client.expect_closed_within(
        Duration::from_secs(5),
        "the server to close the connection of a client whose upload ended half way",
    );
    let left = entries(root.path());
    let listed = other.list();
    if !left.is_empty() || !listed.is_empty() {
        Report::sent("Put video.bin (1 MiB), Ready, half the bytes, then the client closed")
            .expected(
                "no file at all in the root: not video.bin, not a temporary file; an empty listing",
            )
            .got(format!("the root holds {left:?}; List says {listed:?}"))
            .cause(
                "an end of the stream before `size` bytes is an error (copy_exact says \
                 UnexpectedEof): return it, and the dropped NamedTempFile deletes itself; never \
                 rename a short file",
            )
            .fail();
    }
}

#[test]
fn two_uploads_of_one_name_at_once_leave_one_file_and_one_refusal() {
    let root = tempfile::tempdir().expect("a temporary folder");
    let (server, addr) = start(root.path(), options(4, 4));
    let first = noise(200_000, 21);
    let second = noise(200_000, 22);
    let mut a = Client::connect(addr, &server);
    let mut b = Client::connect(addr, &server);
    a.send(&put("same.bin", first.len() as u64));
    a.expect(
        READY,
        None,
        "A: the reply to Put same.bin",
        "the name is free: Ready",
    );
    b.send(&put("same.bin", second.len() as u64));
    b.expect(
        READY,
        None,
        "B: the reply to Put same.bin, while A's upload is in progress",
        "the name is still free: Ready",
    );
    a.send(&first);
    a.expect(
        OK,
        None,
        "A: the reply after its bytes",
        "A finished first: its file is saved",
    );
    b.send(&second);
    b.expect(
        EXISTS,
        Some(0),
        "B: the reply after its bytes, A having finished first",
        "rename without replacing: persist_noclobber (renameat2 RENAME_NOREPLACE, or link then \
         unlink) fails with AlreadyExists; persist or fs::rename would replace A's file",
    );
    let saved = std::fs::read(root.path().join("same.bin")).unwrap_or_default();
    if saved != first || entries(root.path()) != ["same.bin"] {
        Report::sent("A and B both Put same.bin; A sends its bytes first, then B")
            .expected("exactly one file, same.bin, holding A's bytes; no temporary file")
            .got(format!(
                "the root holds {:?}; same.bin is A's: {}",
                entries(root.path()),
                saved == first
            ))
            .fail();
    }
}

// ---------------------------------------------------------------- bad clients

#[rstest]
#[case::unknown_code(frame(b"X"))]
#[case::empty_frame(frame(b""))]
#[case::put_without_its_size(frame(b"P\0\0"))]
#[case::bytes_after_list(frame(b"Lmore"))]
fn a_malformed_frame_gets_bad_request_and_the_connection_goes_on(#[case] bytes: Vec<u8>) {
    let root = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(root.path().join("a.txt"), b"1").expect("writing");
    let (server, addr) = start(root.path(), options(2, 2));
    let mut client = Client::connect(addr, &server);
    client.send(&bytes);
    client.expect(
        BAD_REQUEST,
        Some(0),
        "the reply to a frame that is no request",
        "a whole frame that is no request: BadRequest, and read the next",
    );
    let names = client.list();
    if names != ["a.txt"] {
        Report::sent(client.peer.sent())
            .expected("then List: [\"a.txt\"]")
            .got(format!("{names:?}"))
            .cause("after an in-sync error (ProtocolError::in_sync), reply its status and go on")
            .fail();
    }
}

#[rstest]
#[case::four_gib(vec![0xff, 0xff, 0xff, 0xff])]
#[case::the_seed_s_list(b"LIST".to_vec())]
#[case::an_http_request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec())]
fn garbage_or_a_huge_frame_gets_too_long_and_a_close_and_disturbs_no_one(#[case] bytes: Vec<u8>) {
    let root = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(root.path().join("a.txt"), b"1").expect("writing");
    let (server, addr) = start(root.path(), options(2, 2));
    let mut good = Client::connect(addr, &server);
    let _ = good.list();
    let mut bad = Client::connect(addr, &server);
    bad.send(&bytes);
    bad.expect(TOO_LONG, Some(0), &format!("the reply to {}", show(&bytes)), "the first 4 bytes are a length over MAX_FRAME: reply TooLong, then close (the stream is out of step)");
    bad.expect_closed_within(
        Duration::from_secs(5),
        "the server to close the connection after TooLong",
    );
    let names = good.list();
    let mut fresh = Client::connect(addr, &server);
    let fresh_names = fresh.list();
    if names != ["a.txt"] || fresh_names != ["a.txt"] {
        Report::sent(format!("{} on one connection", show(&bytes)))
            .expected("List still answered on an older connection and on a new one")
            .got(format!("{names:?} and {fresh_names:?}"))
            .fail();
    }
}

#[test]
fn a_client_that_stalls_mid_frame_is_dropped_after_the_idle_timeout() {
    let root = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(root.path().join("a.txt"), b"1").expect("writing");
    let idle = Duration::from_millis(200);
    // One worker: while the staller holds it, others wait in the queue.
    let (server, addr) = start(
        root.path(),
        Options {
            workers: 1,
            queue: 4,
            idle_timeout: idle,
        },
    );
    let mut staller = Client::connect(addr, &server);
    let _ = staller.list();
    staller.send(&[0, 0]);
    let mut waiting = Client::connect(addr, &server);
    waiting.send(&list());
    staller.expect_closed_within(
        idle + Duration::from_millis(1500),
        &format!("the server to drop a client silent for the idle timeout ({} ms) in the middle of a frame", idle.as_millis()),
    );
    let (size, _) = waiting.expect(
        OK,
        None,
        "the reply to List from the client that waited for the worker",
        "once the staller is dropped, its worker serves the next client",
    );
    let body = waiting.bytes(size as usize, "the listing");
    if body != b"a.txt\n" {
        Report::sent(waiting.peer.sent())
            .expected(show(b"a.txt\n"))
            .got(show(&body))
            .fail();
    }
}

#[test]
fn a_client_that_stalls_mid_frame_holds_only_its_own_worker() {
    let root = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(root.path().join("a.txt"), b"1").expect("writing");
    // A long idle timeout: the staller surely holds its worker meanwhile.
    let (server, addr) = start(root.path(), options(2, 4));
    let mut staller = Client::connect(addr, &server);
    let _ = staller.list();
    staller.send(&[0, 0, 0, 9, b'G']);
    let mut other = Client::connect(addr, &server);
    let names = other.list();
    if names != ["a.txt"] {
        Report::sent(
            "one client stops after 5 bytes of a 13-byte frame; another sends List (2 workers)",
        )
        .expected("the other client served at once: [\"a.txt\"]")
        .got(format!("{names:?}"))
        .cause("a stalled client holds one worker; the others serve the rest")
        .fail();
    }
}

/// The server under test, seen as dead as soon as it has fewer threads than
/// it started with: a worker that ended (a panic, or a `return` after a bad
/// client) fails the wait at once, rather than leaving a client queued for
/// a worker that is gone.
struct WorkersAlive<'a> {
    server: &'a Program,
    threads: usize,
}

impl Liveness for WorkersAlive<'_> {
    fn check(&self) -> Result<(), String> {
        self.server.check()?;
        let now = netkit_tests::harness::thread_count(self.server.pid());
        if now < self.threads {
            return Err(format!(
                "the server has {now} threads, fewer than the {} it started with: a worker ended",
                self.threads
            ));
        }
        Ok(())
    }
}

#[test]
fn forty_clients_speaking_garbage_leave_every_worker_alive() {
    let root = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(root.path().join("a.txt"), b"1").expect("writing");
    let root_arg = root.path().to_str().expect("a UTF-8 temporary path");
    let (server, addr) = Program::start_server(&[
        "ftp-server",
        "--root",
        root_arg,
        "--addr",
        "127.0.0.1:0",
        "--workers",
        "4",
        "--queue",
        "64",
    ]);
    let codes = [b'L', b'G', b'P', b'Q', b'X', 0, 0xff];
    for i in 0..40u64 {
        let mut rng = XorShift::seeded(1000 + i);
        let noise = rng.bytes(1 + (i as usize * 37) % 300);
        // Half of them a frame whose length is right, so that its payload
        // is decoded: a code, then noise; the other half noise only.
        let sent = if i % 2 == 0 {
            let mut payload = vec![codes[i as usize % codes.len()]];
            payload.extend_from_slice(&noise);
            frame(&payload)
        } else {
            noise
        };
        let watch = WorkersAlive {
            server: &server,
            threads: 5,
        };
        let mut peer = TcpPeer::connect_watched(addr, &watch);
        peer.send(&sent);
        peer.shutdown_write();
        let _ = peer.read_to_end(&watch, "the server's replies, then its close");
    }
    // Every client has been answered and closed: each worker is back in
    // the queue's recv, or would be gone.
    let threads = netkit_tests::harness::thread_count(server.pid());
    let mut client = Client::connect(addr, &server);
    let names = client.list();
    if threads != 5 || names != ["a.txt"] {
        Report::sent(format!(
            "40 clients, one after the other, each sending garbage to `{}`",
            server.command_line()
        ))
        .expected("5 threads (the accepting one and 4 workers), and List still answered")
        .got(format!("{threads} threads; List: {names:?}"))
        .cause(
            "a worker must outlive every client: log a client's error and take the next \
                 connection; never unwrap or index what a client sent",
        )
        .fail();
    }
}

// ---------------------------------------------------------------- many clients

#[test]
fn twenty_clients_upload_and_download_at_once_with_identical_bytes() {
    let root = tempfile::tempdir().expect("a temporary folder");
    let (server, addr) = start(root.path(), options(24, 24));
    let server = std::sync::Arc::new(server);
    let tasks: Vec<_> = (0..20u64)
        .map(|i| {
            let server = std::sync::Arc::clone(&server);
            Task::spawn(&format!("client {i}"), move || {
                let content = noise(100_000 + i as usize * 1_000, 100 + i);
                let name = format!("file-{i:02}.bin");
                let mut client = Client::connect(addr, &*server);
                client.send(&put(&name, content.len() as u64));
                client.expect(READY, None, &format!("client {i}: Put {name}"), "Ready");
                client.send(&content);
                client.expect(OK, None, &format!("client {i}: after its bytes"), "Ok");
                client.send(&get(name.as_bytes()));
                let (size, _) = client.expect(
                    OK,
                    Some(content.len() as u64),
                    &format!("client {i}: Get {name}"),
                    "Ok with the size",
                );
                let back = client.bytes(size as usize, "the file back");
                back == content
            })
        })
        .collect();
    let results: Vec<bool> = tasks
        .into_iter()
        .map(|t| t.join_watching(&*server))
        .collect();
    let mut names = entries(root.path());
    names.retain(|n| n.starts_with("file-"));
    if results.iter().any(|ok| !ok) || names.len() != 20 {
        Report::sent("20 clients at once, each: Put a file of its own, then Get it back")
            .expected("every file back byte for byte, 20 files in the root")
            .got(format!(
                "identical: {results:?}; the root holds {} files",
                names.len()
            ))
            .fail();
    }
}

#[test]
fn a_full_pool_answers_busy_and_closes_and_the_waiting_client_is_served_after() {
    let root = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(root.path().join("a.txt"), b"1").expect("writing");
    let (server, addr) = start(root.path(), options(1, 1));
    let mut served = Client::connect(addr, &server);
    let _ = served.list();
    let mut queued = Client::connect(addr, &server);
    queued.send(&list());
    let mut turned_away = Client::connect(addr, &server);
    turned_away.expect(
        BUSY,
        Some(0),
        "a reply, unasked, to a third client while the one worker is taken and the queue (1) holds a client",
        "accept on; try_send into the bounded queue; when it is full, write a Busy reply and close",
    );
    turned_away.expect_closed_within(Duration::from_secs(5), "the connection closed after Busy");
    served.send(&frame(b"Q"));
    let (size, _) = queued.expect(
        OK,
        None,
        "the queued client's List, once the first client quits",
        "the worker takes the next connection from the queue",
    );
    let _ = queued.bytes(size as usize, "the listing");
}

#[test]
fn serve_refuses_zero_workers() {
    let root = tempfile::tempdir().expect("a temporary folder");
    let listener = loopback_listener();
    let root_path = root.path().to_path_buf();
    let got = Task::spawn("ftp_server::serve", move || {
        kit::serve(listener, &root_path, &options(0, 4))
    })
    .join();
    if !matches!(&got, Err(e) if e.kind() == std::io::ErrorKind::InvalidInput) {
        Report::sent("serve with 0 workers")
            .expected("Err(InvalidInput) at once: nobody would ever serve")
            .got(format!("{got:?}"))
            .fail();
    }
}

// ---------------------------------------------------------------- the program, 50 MiB

fn write_noise_file(path: &Path, size: usize) -> [u8; 32] {
    let mut file = std::io::BufWriter::new(File::create(path).expect("creating the big file"));
    let mut hasher = Sha256::new();
    let mut written = 0;
    let mut seed = 1;
    while written < size {
        let piece = noise((size - written).min(1 << 20), seed);
        hasher.update(&piece);
        file.write_all(&piece).expect("writing the big file");
        written += piece.len();
        seed += 1;
    }
    file.flush().expect("writing the big file");
    hasher.finalize().into()
}

#[test]
fn via_the_program_50_mib_go_up_and_down_byte_identical_in_little_memory() {
    const SIZE: usize = 50 << 20;
    const LIMIT: u64 = 32 << 20;
    let source = tempfile::tempdir().expect("a temporary folder");
    let path = source.path().join("video.bin");
    let hash = write_noise_file(&path, SIZE);
    let root = tempfile::tempdir().expect("a temporary folder");
    let root_arg = root.path().to_str().expect("a UTF-8 temporary path");
    let (server, addr) =
        Program::start_server(&["ftp-server", "--root", root_arg, "--addr", "127.0.0.1:0"]);

    let started = Instant::now();
    let mut client = Client::connect(addr, &server);
    client.send(&put("video.bin", SIZE as u64));
    client.expect(
        READY,
        Some(SIZE as u64),
        "the reply to Put video.bin (50 MiB)",
        "Ready",
    );
    let mut file = File::open(&path).expect("opening the big file");
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut chunk).expect("reading the big file");
        if n == 0 {
            break;
        }
        client.send(&chunk[..n]);
    }
    client.expect(OK, Some(SIZE as u64), "the reply after 50 MiB", "Ok, saved");
    let up = started.elapsed();
    let saved = root.path().join("video.bin");
    if sha256_of(&saved) != hash {
        Report::sent("Put video.bin, 50 MiB")
            .expected("video.bin saved byte for byte")
            .got("other bytes")
            .fail();
    }

    let started = Instant::now();
    client.send(&get(b"video.bin"));
    client.expect(
        OK,
        Some(SIZE as u64),
        "the reply to Get video.bin",
        "Ok with the size",
    );
    let mut hasher = Sha256::new();
    let mut left = SIZE;
    while left > 0 {
        let piece = client.bytes(left.min(1 << 20), "the bytes of video.bin");
        hasher.update(&piece);
        left -= piece.len();
    }
    let down = started.elapsed();
    if <[u8; 32]>::from(hasher.finalize()) != hash {
        Report::sent("Get video.bin, 50 MiB")
            .expected("the same bytes as uploaded")
            .got("other bytes")
            .fail();
    }
    let peak = peak_memory(server.pid());
    eprintln!(
        "ftp-server: 50 MiB up in {up:?}, down in {down:?}, server peak {} MiB",
        peak >> 20
    );
    if peak > LIMIT {
        Report::sent(format!(
            "50 MiB up and down through `{}`",
            server.command_line()
        ))
        .expected(format!(
            "the server to use at most {} MiB at its peak",
            LIMIT >> 20
        ))
        .got(format!("{} MiB", peak >> 20))
        .cause("a file was held whole in memory: stream it with copy_exact, CHUNK at a time")
        .fail();
    }
}
