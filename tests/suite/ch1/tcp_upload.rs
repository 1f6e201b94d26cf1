//! Tests of the exercise `tcp-upload` (the header line has its own tests, in
//! `upload_header`): uploads from the kit's client to the kit's server, the
//! server against bad clients played by the test, the client against a
//! server played by the test, memory use on a 50 MiB upload, and the two
//! programs end to end.

use netkit_tests::harness::{
    Liveness, Program, RecordingServer, Report, ServerThread, Task, TcpPeer, loopback_listener,
    peak_memory, run_measured, show, stderr_gist,
};
use netkit_tests::kit::ch1::tcp_upload::{self as kit, UploadError};
use netkit_tests::kit::ch1::upload_header::{HeaderError, MAX_HEADER};
use rstest::rstest;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

// ---------------------------------------------------------------- helpers

/// Starts `kit::serve` on a loopback port, saving into `dir`.
fn start_server(dir: &Path) -> (ServerThread, SocketAddr) {
    let listener = loopback_listener();
    let addr = listener
        .local_addr()
        .expect("a bound socket has an address");
    let dir = dir.to_path_buf();
    let server = ServerThread::spawn("tcp_upload::serve", move || kit::serve(listener, &dir));
    (server, addr)
}

/// The names in `dir`, sorted (temporary files included: they start with `.`).
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("listing {} failed: {e}", dir.display()))
        .map(|entry| {
            entry
                .expect("a folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// SHA-256 of a file, read in pieces.
fn sha256_of(path: &Path) -> [u8; 32] {
    let mut file =
        File::open(path).unwrap_or_else(|e| panic!("opening {} failed: {e}", path.display()));
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

/// Deterministic bytes that look random: no two runs differ. (`seed | 1`
/// keeps the bytes these tests have always drawn.)
fn noise(len: usize, seed: u64) -> Vec<u8> {
    netkit_tests::harness::XorShift::seeded(seed | 1).bytes(len)
}

/// Binary content the seed's `##` marker cannot carry: the marker itself,
/// everywhere, and every byte value from 0 to 255.
fn binary_with_markers() -> Vec<u8> {
    let mut bytes = b"##".to_vec();
    bytes.extend(0..=255u8);
    bytes.extend_from_slice(b"##\n##");
    bytes.extend((0..=255u8).rev());
    bytes.extend_from_slice(b"\xff\xd8##\x00##");
    bytes
}

/// Uploads `content` as `name` by hand (header, content, end of file) and
/// returns the server's reply line.
fn upload_by_hand(addr: SocketAddr, server: &dyn Liveness, name: &str, content: &[u8]) -> String {
    let mut peer = TcpPeer::connect_watched(addr, server);
    peer.send(format!("UPLOAD {} {name}\n", content.len()).as_bytes());
    peer.send(content);
    peer.shutdown_write();
    peer.read_line(server, "`OK <size>` or `ERR <reason>`")
}

/// After a bad client: a good upload still gets `OK`, and is saved.
fn assert_still_serving(addr: SocketAddr, server: &dyn Liveness, dir: &Path, after: &str) {
    let reply = upload_by_hand(addr, server, "after.txt", b"still here\n");
    if reply != "OK 11" {
        Report::sent(format!("after {after}: UPLOAD 11 after.txt, 11 bytes, end of file"))
            .expected("OK 11: the server goes on serving after a bad client")
            .got(format!("{reply:?}"))
            .cause("the server gave up (or got stuck) after the bad client; log its error and accept the next one")
            .fail();
    }
    let saved = std::fs::read(dir.join("after.txt")).unwrap_or_default();
    if saved != b"still here\n" {
        Report::sent(format!(
            "after {after}: UPLOAD 11 after.txt, 11 bytes, end of file"
        ))
        .expected(format!("after.txt saved as {}", show(b"still here\n")))
        .got(format!("after.txt holds {}", show(&saved)))
        .cause("save exactly the `size` bytes that follow the header")
        .fail();
    }
}

/// After a refused upload of an existing `name`: the folder holds that file
/// only, with its `original` content.
fn expect_only_the_original(dir: &Path, name: &str, original: &[u8], sent: &str) {
    let kept = std::fs::read(dir.join(name)).unwrap_or_default();
    let left = listing(dir);
    if kept != original || left != [name] {
        Report::sent(format!("{sent}, although {name} exists"))
            .expected(format!("the folder to hold only {name}, still {}", show(original)))
            .got(format!("the folder holds {left:?}; {name} holds {}", show(&kept)))
            .cause("an upload never replaces a file: check before receiving, and rename with persist_noclobber")
            .fail();
    }
}

/// A source folder holding `name` with `content`.
fn source_file(name: &str, content: &[u8]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(name);
    std::fs::write(&path, content).expect("writing the file to upload");
    (dir, path)
}

// ---------------------------------------------- the server against bad clients

/// Bad clients: what they send, whether they then close their writing half,
/// and how the server's reply must start.
#[rstest]
#[case::stops_half_way(b"UPLOAD 1000 half.bin\n".iter().chain(&[b'x'; 500]).copied().collect(), true, "ERR incomplete: got 500 of 1000 bytes")]
#[case::sends_more_than_declared(b"UPLOAD 10 more.bin\n0123456789 and more".to_vec(), true, "ERR more data than declared")]
#[case::climbs_out_of_the_folder(b"UPLOAD 5 ../escape\nhello".to_vec(), true, "ERR bad name")]
#[case::absolute_path(b"UPLOAD 5 /tmp/escape\nhello".to_vec(), true, "ERR bad name")]
#[case::hidden_name(b"UPLOAD 5 .escape\nhello".to_vec(), true, "ERR bad name")]
#[case::not_a_number(b"UPLOAD many x.txt\nhello".to_vec(), true, "ERR bad header")]
#[case::http_request(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), true, "ERR bad header")]
#[case::says_nothing(Vec::new(), true, "ERR bad header")]
#[case::endless_header(vec![b'U'; 4 * MAX_HEADER], false, "ERR bad header: longer than")]
fn server_refuses_a_bad_client_and_keeps_serving(
    #[case] sent: Vec<u8>,
    #[case] close_writing: bool,
    #[case] expected: &str,
) {
    // The upload folder sits inside another: nothing may appear beside it.
    let parent = tempfile::tempdir().expect("a temporary folder");
    let dest = parent.path().join("uploads");
    std::fs::create_dir(&dest).expect("creating the upload folder");
    let (server, addr) = start_server(&dest);

    let mut peer = TcpPeer::connect_watched(addr, &server);
    if !sent.is_empty() {
        peer.send(&sent);
    }
    if close_writing {
        peer.shutdown_write();
    }
    let reply = peer.read_line(&server, expected);
    if !reply.starts_with(expected) {
        Report::sent(peer.sent())
            .expected(format!("a reply starting with {expected:?}"))
            .got(format!("{reply:?}"))
            .cause("reply `ERR <reason>` for a bad upload, with the error's own text")
            .fail();
    }
    let left: Vec<String> = listing(&dest);
    if !left.is_empty() || listing(parent.path()) != ["uploads"] {
        Report::sent(peer.sent())
            .expected(
                "no file anywhere: not in the upload folder, not beside it, no temporary file",
            )
            .got(format!(
                "the upload folder holds {left:?}; its parent holds {:?}",
                listing(parent.path())
            ))
            .cause(
                "write into a NamedTempFile in the folder, and drop it (deleting it) on any error",
            )
            .fail();
    }
    assert_still_serving(addr, &server, &dest, &peer.sent());
}

#[test]
fn server_refuses_an_existing_name_and_keeps_the_old_file() {
    let dest = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dest.path().join("keep.txt"), b"original").expect("writing the original");
    let (server, addr) = start_server(dest.path());

    let reply = upload_by_hand(addr, &server, "keep.txt", b"replacement");
    if !reply.starts_with("ERR exists") {
        Report::sent("UPLOAD 11 keep.txt, 11 bytes, end of file; keep.txt already exists")
            .expected("a reply starting with \"ERR exists\"")
            .got(format!("{reply:?}"))
            .cause("an upload never replaces a file: check before receiving, and rename with persist_noclobber")
            .fail();
    }
    expect_only_the_original(dest.path(), "keep.txt", b"original", "UPLOAD 11 keep.txt");
    assert_still_serving(addr, &server, dest.path(), "the refused upload of keep.txt");
}

// ------------------------------------------ the client against a test server

#[rstest]
#[case::text_with_markers("notes.txt", b"one ## two\n##\n".to_vec())]
#[case::binary("picture.jpg", binary_with_markers())]
#[case::empty_file("empty.txt", Vec::new())]
fn upload_sends_the_header_the_content_then_end_of_file(
    #[case] name: &str,
    #[case] content: Vec<u8>,
) {
    let (_source, path) = source_file(name, &content);
    let size = content.len();
    let test_server = RecordingServer::start(format!("OK {size}\n").as_bytes());
    let addr = test_server.addr();

    let what = format!(
        "kit::upload of {name} to a test server that replies `OK {size}` after end of file"
    );
    let result = Task::spawn("tcp_upload::upload", move || kit::upload(addr, &path)).join();
    let recording = test_server.finish();

    let mut expected = format!("UPLOAD {size} {name}\n").into_bytes();
    expected.extend_from_slice(&content);
    if recording.received != expected {
        Report::sent(&what)
            .expected(format!("exactly {}", show(&expected)))
            .got(show(&recording.received))
            .cause("send the header line, then the file's bytes, and nothing else: no `##` marker")
            .fail();
    }
    if !recording.saw_end_of_file {
        Report::sent(&what)
            .expected("end of file after the content: the client closes its writing half")
            .got("the connection stayed open for writing")
            .cause("call stream.shutdown(Shutdown::Write) after the content, then read the reply")
            .fail();
    }
    if !matches!(result, Ok(n) if n == size as u64) {
        Report::sent(&what)
            .expected(format!("Ok({size})"))
            .got(format!("{result:?}"))
            .cause("parse the reply `OK <size>`")
            .fail();
    }
}

#[test]
fn upload_turns_an_err_reply_into_an_error() {
    let (_source, path) = source_file("taken.txt", b"some content");
    let test_server = RecordingServer::start(b"ERR exists: taken.txt\n");
    let addr = test_server.addr();

    let what = "kit::upload of taken.txt to a test server that replies `ERR exists: taken.txt`";
    let result = Task::spawn("tcp_upload::upload", move || kit::upload(addr, &path)).join();
    test_server.finish();
    match &result {
        Err(UploadError::Refused(reason)) if reason == "exists: taken.txt" => {}
        other => Report::sent(what)
            .expected("Err(Refused(\"exists: taken.txt\")): the reason after `ERR `")
            .got(format!("{other:?}"))
            .fail(),
    }
}

/// A listener that nobody should connect to: as a [`Liveness`], it fails the
/// moment a connection is waiting in its queue. The kernel completes a
/// connection before anyone accepts it, so a client that connected (and now
/// waits for a reply that never comes) is seen at once, not after a timeout.
struct NobodyMayConnect(TcpListener);

impl Liveness for NobodyMayConnect {
    fn check(&self) -> Result<(), String> {
        match self.0.accept() {
            Ok((_, from)) => Err(format!(
                "kit::upload connected (from {from}) although the name .secret is refused: \
                 it would send a hidden file's content to the server"
            )),
            Err(_) => Ok(()),
        }
    }
}

#[test]
fn upload_refuses_a_hidden_file_before_connecting() {
    let (_source, path) = source_file(".secret", b"password");
    let listener = loopback_listener();
    let addr = listener
        .local_addr()
        .expect("a bound socket has an address");
    listener
        .set_nonblocking(true)
        .expect("setting non-blocking");
    let nobody = NobodyMayConnect(listener);

    let what = "kit::upload of a file named .secret, to a listener that never accepts";
    let result =
        Task::spawn("tcp_upload::upload", move || kit::upload(addr, &path)).join_watching(&nobody);
    if !matches!(
        result,
        Err(UploadError::Header(HeaderError::BadName { .. }))
    ) {
        Report::sent(what)
            .expected("Err(Header(BadName { .. })): the server would refuse it anyway")
            .got(format!("{result:?}"))
            .cause("check the file's name with check_name before connecting")
            .fail();
    }
    if let Err(why) = nobody.check() {
        Report::sent(what)
            .expected("no connection: the name is checked before connecting")
            .got(why)
            .cause("call check_name(name)? before TcpStream::connect")
            .fail();
    }
}

// ------------------------------------------------ the kit's client to its server

#[rstest]
#[case::empty_file("empty.txt", Vec::new())]
#[case::small_text("note.txt", b"Hello, server!\nSecond line.\n".to_vec())]
#[case::binary_full_of_markers("picture.jpg", binary_with_markers())]
#[case::larger_than_a_chunk_with_an_odd_size("big.bin", noise(3 * kit::CHUNK + 12_345, 7))]
fn uploads_are_saved_byte_for_byte(#[case] name: &str, #[case] content: Vec<u8>) {
    let (_source, path) = source_file(name, &content);
    let dest = tempfile::tempdir().expect("a temporary folder");
    let (server, addr) = start_server(dest.path());

    let what = format!(
        "kit::upload of {name} ({} bytes) to kit::serve",
        content.len()
    );
    let result =
        Task::spawn("tcp_upload::upload", move || kit::upload(addr, &path)).join_watching(&server);

    let size = content.len() as u64;
    if !matches!(result, Ok(n) if n == size) {
        Report::sent(&what)
            .expected(format!("Ok({size}), after the reply `OK {size}`"))
            .got(format!("{result:?}"))
            .fail();
    }
    let saved_path = dest.path().join(name);
    if listing(dest.path()) != [name]
        || sha256_of(&saved_path) != <[u8; 32]>::from(Sha256::digest(&content))
    {
        let saved = std::fs::read(&saved_path).unwrap_or_default();
        Report::sent(&what)
            .expected(format!("the folder to hold only {name:?}, with {}", show(&content)))
            .got(format!(
                "the folder holds {:?}; {name:?} has {} bytes: {}",
                listing(dest.path()),
                saved.len(),
                show(&saved)
            ))
            .cause("content must be copied as bytes, exactly `size` of them, and renamed from its temporary file")
            .fail();
    }
}

#[test]
fn uploads_of_an_existing_name_are_refused_and_the_old_file_stays() {
    // Larger than the socket buffers: the server refuses after the header,
    // while the client is still sending.
    let content = noise(8 << 20, 3);
    let (_source, path) = source_file("photo.jpg", &content);
    let dest = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dest.path().join("photo.jpg"), b"the original").expect("writing the original");
    let (server, addr) = start_server(dest.path());

    let what = "kit::upload of photo.jpg (8 MiB) to kit::serve, whose folder already has photo.jpg";
    let result =
        Task::spawn("tcp_upload::upload", move || kit::upload(addr, &path)).join_watching(&server);

    match &result {
        Err(UploadError::Refused(reason)) if reason.starts_with("exists") => {}
        other => Report::sent(what)
            .expected("Err(Refused(\"exists: photo.jpg\")): an upload never replaces a file")
            .got(format!("{other:?}"))
            .cause(
                "the server must refuse a name that exists; the client must read the reply even \
                 when sending failed (the server closed early)",
            )
            .fail(),
    }
    expect_only_the_original(dest.path(), "photo.jpg", b"the original", what);
}

// -------------------------------------------------------- memory, programs

/// Writes `size` bytes of noise to `path`, a piece at a time (never the whole
/// file in the test's memory), and returns their SHA-256.
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
fn via_the_programs_a_50_mib_upload_streams_in_little_memory() {
    const SIZE: usize = 50 << 20;
    const LIMIT: u64 = 32 << 20;
    let source = tempfile::tempdir().expect("a temporary folder");
    let path = source.path().join("video.bin");
    let hash = write_noise_file(&path, SIZE);
    let dest = tempfile::tempdir().expect("a temporary folder");
    let dest_arg = dest.path().to_str().expect("a UTF-8 temporary path");

    let (server, addr) = Program::start_server(&[
        "tcp-upload-server",
        "--addr",
        "127.0.0.1:0",
        "--dir",
        dest_arg,
    ]);
    let addr = addr.to_string();
    let file_arg = path.to_str().expect("a UTF-8 temporary path");
    let client = run_measured(&["tcp-upload-client", "--server", &addr, file_arg]);

    let sent = format!(
        "`{}` (50 MiB) to `{}`",
        client.command_line,
        server.command_line()
    );
    if !client.status.success() {
        Report::sent(&sent)
            .expected("the client to exit 0")
            .got(format!(
                "{} ({}); the server: {}",
                client.stderr_gist(),
                client.status,
                server
                    .check()
                    .err()
                    .unwrap_or_else(|| "still running".to_string())
            ))
            .fail();
    }
    let saved = dest.path().join("video.bin");
    if !saved.exists() || sha256_of(&saved) != hash {
        Report::sent(&sent)
            .expected("video.bin saved, byte for byte")
            .got(format!("the folder holds {:?}", listing(dest.path())))
            .fail();
    }
    for (who, peak) in [
        ("server", peak_memory(server.pid())),
        ("client", client.peak_memory),
    ] {
        if peak > LIMIT {
            Report::sent(&sent)
                .expected(format!("the {who} to use at most {} MiB at its peak", LIMIT >> 20))
                .got(format!("{} MiB", peak >> 20))
                .cause("the file was held whole in memory; stream it in chunks (io::copy, or a loop over a fixed buffer)")
                .fail();
        }
    }
}

#[test]
fn via_the_programs_the_client_prints_the_confirmation_or_the_refusal() {
    let (_source, path) = source_file("hello.txt", b"hello ## world\n");
    let dest = tempfile::tempdir().expect("a temporary folder");
    let dest_arg = dest.path().to_str().expect("a UTF-8 temporary path");
    let (server, addr) = Program::start_server(&[
        "tcp-upload-server",
        "--addr",
        "127.0.0.1:0",
        "--dir",
        dest_arg,
    ]);
    let addr = addr.to_string();
    let file_arg = path.to_str().expect("a UTF-8 temporary path");

    let command = ["tcp-upload-client", "--server", &addr, file_arg];
    let first = Program::start(&command).finish();
    let confirmed = first.stdout.iter().any(|line| line.contains("OK 15"));
    if !first.status.success() || !confirmed {
        Report::sent(format!(
            "`netkit {}` to `{}`",
            command.join(" "),
            server.command_line()
        ))
        .expected("exit 0, printing the server's confirmation `OK 15`")
        .got(if first.status.success() {
            format!("stdout: {:?}", first.stdout)
        } else {
            format!(
                "{} ({}); the server: {}",
                stderr_gist(&first.stderr),
                first.status,
                server
                    .check()
                    .err()
                    .unwrap_or_else(|| "still running".to_string())
            )
        })
        .fail();
    }
    let saved = std::fs::read(dest.path().join("hello.txt")).unwrap_or_default();
    if saved != b"hello ## world\n" {
        Report::sent(format!("`netkit {}`", command.join(" ")))
            .expected(format!("hello.txt saved as {}", show(b"hello ## world\n")))
            .got(format!("hello.txt holds {}", show(&saved)))
            .cause("the content is copied as bytes, `##` included")
            .fail();
    }

    // The same again: the name exists now, so the server refuses.
    let second = Program::start(&command).finish();
    if second.status.success() || !second.stderr.contains("exists") {
        Report::sent(format!("`netkit {}` a second time", command.join(" ")))
            .expected("a non-zero exit, with the server's reason (`exists`) on stderr")
            .got(format!(
                "{} ({}); stdout: {:?}",
                stderr_gist(&second.stderr),
                second.status,
                second.stdout
            ))
            .cause("upload must turn an `ERR <reason>` reply into an error")
            .fail();
    }
}
