//! Tests of the exercise `ftp-client` (book: ch3/ftp-client.md): the client
//! against a server played by the test (which writes the frames by hand,
//! from the wire table), the menu on a scripted input, and the programs end
//! to end: `ftp-client` against `ftp-server`, 50 MiB each way in little
//! memory, and a client killed half way through an upload.

use netkit_tests::harness::{
    Program, Report, STEP, Task, TcpPeer, XorShift, loopback_listener, run_measured, show,
    stderr_gist, wait_for,
};
use netkit_tests::kit::ch3::ftp_client::{self as kit, ClientError, Connection, MAX_LISTING};
use netkit_tests::kit::ch3::ftp_protocol::Status;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Cursor, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

// ---------------------------------------------------------------- a server, by hand

const OK: u8 = 0;
const READY: u8 = 1;
const NOT_FOUND: u8 = 2;
const EXISTS: u8 = 4;

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut bytes = (payload.len() as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(payload);
    bytes
}

fn reply_frame(status: u8, size: u64, message: &str) -> Vec<u8> {
    frame(&[&[status][..], &size.to_be_bytes(), message.as_bytes()].concat())
}

/// The server's side of one connection, with bounded reads.
struct Wire(TcpStream);

impl Wire {
    /// One frame's payload; `None` at the end of the stream.
    fn frame(&mut self) -> Option<Vec<u8>> {
        let mut prefix = [0u8; 4];
        if let Err(e) = self.0.read_exact(&mut prefix) {
            assert!(
                e.kind() == std::io::ErrorKind::UnexpectedEof,
                "the test server's read failed: {e} (the client sent nothing within 10 s?)"
            );
            return None;
        }
        let len = u32::from_be_bytes(prefix) as usize;
        assert!(
            len <= 1024,
            "the client sent a frame of {len} bytes, over MAX_FRAME"
        );
        let mut payload = vec![0u8; len];
        self.0
            .read_exact(&mut payload)
            .expect("the test server reads the rest of a frame");
        Some(payload)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut bytes = vec![0u8; n];
        self.0
            .read_exact(&mut bytes)
            .expect("the test server reads the bytes announced");
        bytes
    }

    fn send(&mut self, bytes: &[u8]) {
        // The client may have gone; what it did is what the test checks.
        let _ = self.0.write_all(bytes);
    }

    fn reply(&mut self, status: u8, size: u64, message: &str) {
        self.send(&reply_frame(status, size, message));
    }
}

/// A server played by the test, for one connection: `script` runs on it
/// and returns what the test wants to know; every frame the client sent is
/// also kept.
fn fake_server<R: Send + std::fmt::Debug + 'static>(
    script: impl FnOnce(&mut Wire) -> R + Send + 'static,
) -> (SocketAddr, Task<R>) {
    let listener = loopback_listener();
    let addr = listener
        .local_addr()
        .expect("a bound socket has an address");
    let task = Task::spawn("the test's server", move || {
        let (stream, _) = listener.accept().expect("accepting the client");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("a read timeout");
        script(&mut Wire(stream))
    });
    (addr, task)
}

/// Runs `work` on a connection to `addr` in a Task, and returns its result.
fn with_client<T: Send + std::fmt::Debug + 'static>(
    addr: SocketAddr,
    work: impl FnOnce(&mut Connection) -> T + Send + 'static,
) -> T {
    Task::spawn("ftp_client", move || {
        let mut connection = Connection::connect(addr).expect("connecting to the test's server");
        let result = work(&mut connection);
        let _ = connection.quit();
        result
    })
    .join()
}

fn binary_with_markers() -> Vec<u8> {
    let mut bytes = b"##".to_vec();
    bytes.extend(0..=255u8);
    bytes.extend_from_slice(b"## Heading\n##");
    bytes.extend((0..=255u8).rev());
    bytes
}

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

fn is_quit(frame: &Option<Vec<u8>>) -> bool {
    matches!(frame.as_deref(), Some(b"Q") | None)
}

// ---------------------------------------------------------------- list

#[test]
fn list_asks_list_and_returns_the_names() {
    let (addr, server) = fake_server(|wire| {
        let request = wire.frame();
        wire.reply(OK, 19, "");
        wire.send(b"notes.md\nphoto.jpg\n");
        let _ = wire.frame();
        request
    });
    let got = with_client(addr, |c| c.list().map_err(|e| e.to_string()));
    let request = server.join();
    if request.as_deref() != Some(b"L")
        || !matches!(&got, Ok(names) if names == &["notes.md", "photo.jpg"])
    {
        Report::sent("Connection::list to a test server that answers Ok, size 19, then \"notes.md\\nphoto.jpg\\n\"")
            .expected("the request frame 00 00 00 01 'L', and Ok([\"notes.md\", \"photo.jpg\"])")
            .got(format!("the request payload {:?}, and {got:?}", request.as_deref().map(show)))
            .cause("write_request(List), read_reply, then exactly `size` bytes (copy_exact), one name per line")
            .fail();
    }
}

#[test]
fn list_refuses_a_listing_over_max_listing() {
    let (addr, server) = fake_server(|wire| {
        let _ = wire.frame();
        wire.reply(OK, MAX_LISTING + 1, "");
        // No listing follows: a client that waits for one sees the end at
        // once (and fails), rather than waiting for bytes that never come.
        let _ = wire.0.shutdown(Shutdown::Write);
        let _ = wire.frame();
    });
    let got = with_client(addr, |c| c.list().map_err(|e| format!("{e:?}")));
    server.join();
    if !matches!(&got, Err(e) if e.starts_with("BadReply")) {
        Report::sent(format!(
            "Connection::list; the test server answers Ok with a size of {}",
            MAX_LISTING + 1
        ))
        .expected(
            "Err(BadReply(…)) at once: a server may not make the client hold more than MAX_LISTING",
        )
        .got(format!("{got:?}"))
        .cause("compare reply.size with MAX_LISTING before reading the listing")
        .fail();
    }
}

// ---------------------------------------------------------------- get

#[test]
fn get_saves_the_file_byte_for_byte_and_nothing_else() {
    let content = binary_with_markers();
    let served = content.clone();
    let (addr, server) = fake_server(move |wire| {
        let request = wire.frame();
        wire.reply(OK, served.len() as u64, "");
        wire.send(&served);
        let _ = wire.frame();
        request
    });
    let dir = tempfile::tempdir().expect("a temporary folder");
    let to = dir.path().to_path_buf();
    let got = with_client(addr, move |c| {
        c.get("picture.jpg", &to, false).map_err(|e| e.to_string())
    });
    let request = server.join();
    let saved = std::fs::read(dir.path().join("picture.jpg")).unwrap_or_default();
    if request.as_deref() != Some(b"Gpicture.jpg")
        || !matches!(got, Ok(n) if n == content.len() as u64)
        || saved != content
        || entries(dir.path()) != ["picture.jpg"]
    {
        Report::sent(
            "Connection::get(\"picture.jpg\", dir, false); the test server sends Ok, then the file",
        )
        .expected(
            "the request 'G' picture.jpg; Ok(size); dir holding only picture.jpg, byte for byte",
        )
        .got(format!(
            "the request {:?}; {got:?}; dir holds {:?}; same bytes: {}",
            request.as_deref().map(show),
            entries(dir.path()),
            saved == content
        ))
        .cause("copy exactly `size` bytes into a temporary file of dir, then rename it to the name")
        .fail();
    }
}

#[test]
fn get_cut_off_half_way_leaves_no_file_and_a_forced_one_keeps_the_old_file() {
    for force in [false, true] {
        let (addr, server) = fake_server(|wire| {
            let _ = wire.frame();
            wire.reply(OK, 1000, "");
            wire.send(&[b'x'; 500]);
            // Then the server goes away.
            let _ = wire.0.shutdown(Shutdown::Both);
        });
        let dir = tempfile::tempdir().expect("a temporary folder");
        if force {
            std::fs::write(dir.path().join("half.bin"), b"the old file").expect("writing");
        }
        let to = dir.path().to_path_buf();
        let got = with_client(addr, move |c| {
            c.get("half.bin", &to, force).map_err(|e| format!("{e:?}"))
        });
        server.join();
        let left = entries(dir.path());
        let kept = std::fs::read(dir.path().join("half.bin")).ok();
        let expected_left: &[&str] = if force { &["half.bin"] } else { &[] };
        if got.is_ok()
            || left != expected_left
            || (force && kept.as_deref() != Some(&b"the old file"[..]))
        {
            Report::sent(format!(
                "Connection::get(\"half.bin\", dir, {force}){}; the server announces 1000 bytes, sends 500 and closes",
                if force { " with an old half.bin in dir" } else { "" }
            ))
            .expected(if force {
                "an error, and the old half.bin untouched: nothing else in dir"
            } else {
                "an error, and nothing in dir: no half.bin, no temporary file"
            })
            .got(format!("{got:?}; dir holds {left:?}; half.bin holds {:?}", kept.as_deref().map(show)))
            .cause(
                "download into a temporary file in dir, renamed only when all `size` bytes came; \
                 an end of the stream before that is an error (copy_exact), and the dropped \
                 temporary file deletes itself",
            )
            .fail();
        }
    }
}

#[test]
fn get_refuses_to_replace_a_local_file_before_asking_and_force_replaces_it() {
    let (addr, server) = fake_server(|wire| {
        let first = wire.frame();
        // Only the forced get comes.
        if first.as_deref() == Some(b"Gkeep.txt") {
            wire.reply(OK, 3, "");
            wire.send(b"new");
        }
        let second = wire.frame();
        (first, second)
    });
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("keep.txt"), b"the original").expect("writing");
    let to = dir.path().to_path_buf();
    let (plain, forced) = with_client(addr, move |c| {
        let plain = c.get("keep.txt", &to, false).map_err(|e| format!("{e:?}"));
        let forced = c.get("keep.txt", &to, true).map_err(|e| format!("{e:?}"));
        (plain, forced)
    });
    let (first, _) = server.join();
    let now = std::fs::read(dir.path().join("keep.txt")).unwrap_or_default();
    if !matches!(&plain, Err(e) if e.starts_with("LocalExists"))
        || first.as_deref() != Some(b"Gkeep.txt")
        || !matches!(forced, Ok(3))
        || now != b"new"
        || entries(dir.path()) != ["keep.txt"]
    {
        Report::sent(
            "get(\"keep.txt\", dir, false) with keep.txt in dir, then get(\"keep.txt\", dir, true)",
        )
        .expected(
            "Err(LocalExists) with nothing sent; then one Get, Ok(3), keep.txt replaced by \"new\"",
        )
        .got(format!(
            "{plain:?}, {forced:?}; the server's first frame {:?}; keep.txt holds {}",
            first.as_deref().map(show),
            show(&now)
        ))
        .cause(
            "look for the local file before sending the Get; with force, rename over it (persist)",
        )
        .fail();
    }
}

#[test]
fn get_refused_by_the_server_or_for_a_bad_name_leaves_no_file() {
    let (addr, server) = fake_server(|wire| {
        let first = wire.frame();
        wire.reply(NOT_FOUND, 0, "no file named missing.txt");
        let second = wire.frame();
        (first, second)
    });
    let dir = tempfile::tempdir().expect("a temporary folder");
    let to = dir.path().to_path_buf();
    let (hostile, missing) = with_client(addr, move |c| {
        let hostile = c
            .get("../escape.txt", &to, false)
            .map_err(|e| format!("{e:?}"));
        let missing = c.get("missing.txt", &to, false);
        (hostile, missing)
    });
    let (first, second) = server.join();
    let ok_missing = matches!(
        &missing,
        Err(ClientError::Refused {
            status: Status::NotFound,
            ..
        })
    );
    if !matches!(&hostile, Err(e) if e.starts_with("BadName"))
        || !ok_missing
        || first.as_deref() != Some(b"Gmissing.txt")
        || !is_quit(&second)
        || !entries(dir.path()).is_empty()
    {
        Report::sent(
            "get(\"../escape.txt\"), then get(\"missing.txt\"), which the server answers NotFound",
        )
        .expected("Err(BadName) with nothing sent; Err(Refused { NotFound }); no file in dir")
        .got(format!(
            "{hostile:?}; {missing:?}; the server got {:?} then {:?}; dir holds {:?}",
            first.as_deref().map(show),
            second.as_deref().map(show),
            entries(dir.path())
        ))
        .cause("check_name before sending; create the temporary file only after an Ok")
        .fail();
    }
}

// ---------------------------------------------------------------- put

#[test]
fn put_waits_for_ready_then_sends_exactly_the_bytes() {
    let content = XorShift::seeded(77).bytes(3 * 64 * 1024 + 17);
    let source = tempfile::tempdir().expect("a temporary folder");
    let path = source.path().join("data.bin");
    std::fs::write(&path, &content).expect("writing");
    let size = content.len() as u64;
    let (addr, server) = fake_server(move |wire| {
        let request = wire.frame();
        wire.reply(READY, size, "");
        let bytes = wire.bytes(size as usize);
        wire.reply(OK, size, "saved data.bin");
        let next = wire.frame();
        (request, bytes, next)
    });
    let got = with_client(addr, move |c| c.put(&path).map_err(|e| e.to_string()));
    let (request, bytes, next) = server.join();
    let mut expected = b"P".to_vec();
    expected.extend(size.to_be_bytes());
    expected.extend(b"data.bin");
    if request.as_deref() != Some(&expected[..])
        || bytes != content
        || !is_quit(&next)
        || !matches!(got, Ok(n) if n == size)
    {
        Report::sent(format!("Connection::put(data.bin, {size} bytes); the test server answers Ready, reads the bytes, answers Ok"))
            .expected(format!("the request {}, the file's bytes exactly, then Quit; Ok({size})", show(&expected)))
            .got(format!(
                "the request {:?}, {} bytes (same: {}), then {:?}; {got:?}",
                request.as_deref().map(show),
                bytes.len(),
                bytes == content,
                next.as_deref().map(show)
            ))
            .cause("send Put with the file's size and base name, wait for Ready, then copy_exact the file")
            .fail();
    }
}

#[test]
fn put_refused_sends_no_bytes_and_a_hidden_file_is_not_sent() {
    let source = tempfile::tempdir().expect("a temporary folder");
    let path = source.path().join("taken.txt");
    std::fs::write(&path, b"content that must not be sent").expect("writing");
    let secret = source.path().join(".secret");
    std::fs::write(&secret, b"password").expect("writing");
    let (addr, server) = fake_server(|wire| {
        let first = wire.frame();
        wire.reply(EXISTS, 0, "taken.txt exists already");
        let second = wire.frame();
        (first, second)
    });
    let (hidden, taken) = with_client(addr, move |c| {
        (c.put(&secret).map_err(|e| format!("{e:?}")), c.put(&path))
    });
    let (first, second) = server.join();
    if !matches!(&hidden, Err(e) if e.starts_with("BadName"))
        || !matches!(
            &taken,
            Err(ClientError::Refused {
                status: Status::Exists,
                ..
            })
        )
        || !matches!(first.as_deref(), Some(p) if p.starts_with(b"P") && p.ends_with(b"taken.txt"))
        || !is_quit(&second)
    {
        Report::sent("put(.secret), then put(taken.txt), which the server answers Exists")
            .expected("Err(BadName) with nothing sent; Err(Refused { Exists }); after the Put, only Quit: no byte of the file")
            .got(format!(
                "{hidden:?}; {taken:?}; the server got {:?} then {:?}",
                first.as_deref().map(show),
                second.as_deref().map(show)
            ))
            .cause("check the base name before sending; send the bytes only after Ready")
            .fail();
    }
}

// ---------------------------------------------------------------- the menu

#[test]
fn menu_lists_downloads_uploads_and_quits() {
    let source = tempfile::tempdir().expect("a temporary folder");
    let upload = source.path().join("up.txt");
    std::fs::write(&upload, b"upload me").expect("writing");
    let (addr, server) = fake_server(|wire| {
        let mut seen = Vec::new();
        while let Some(request) = wire.frame() {
            match request.first() {
                Some(b'L') => {
                    wire.reply(OK, 6, "");
                    wire.send(b"a.txt\n");
                }
                Some(b'G') => {
                    wire.reply(OK, 3, "");
                    wire.send(b"abc");
                }
                Some(b'P') => {
                    wire.reply(READY, 9, "");
                    let _ = wire.bytes(9);
                    wire.reply(OK, 9, "");
                }
                _ => {}
            }
            seen.push(request);
            if seen.last().map(Vec::as_slice) == Some(b"Q") {
                break;
            }
        }
        seen
    });
    let dir = tempfile::tempdir().expect("a temporary folder");
    let to = dir.path().to_path_buf();
    let typed = format!("1\n2\na.txt\n2\na.txt\n3\n{}\n9\n4\n", upload.display());
    let script = typed.clone();
    let (result, output) = Task::spawn("ftp_client::menu", move || {
        let mut output = Vec::new();
        let result = kit::menu(
            addr,
            &to,
            &mut Cursor::new(script.into_bytes()),
            &mut output,
        )
        .map_err(|e| e.to_string());
        (result, String::from_utf8_lossy(&output).into_owned())
    })
    .join();
    let seen = server.join();
    let saved = std::fs::read(dir.path().join("a.txt")).unwrap_or_default();
    let wanted = [
        "1. list files",
        "2. download a file",
        "3. upload a file",
        "4. quit",
        "choice: ",
        "a.txt",
        "saved a.txt (3 bytes)",
        "exists already",
        "uploaded",
        "please choose 1, 2, 3 or 4",
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|w| !output.contains(w))
        .collect();
    let codes: Vec<u8> = seen.iter().filter_map(|r| r.first().copied()).collect();
    if result.is_err() || !missing.is_empty() || saved != b"abc" || codes != b"LGPQ" {
        Report::sent(format!("menu with the input {typed:?}"))
            .expected("List, Get (the second download refused locally: a.txt exists), Put, a wrong choice, Quit; output naming each")
            .got(format!(
                "{result:?}; requests {:?}; missing from the output: {missing:?}; a.txt holds {}\n--- output ---\n{output}",
                String::from_utf8_lossy(&codes),
                show(&saved)
            ))
            .cause("print the menu and `choice: `, read a line, act, print one line, repeat; a refusal is printed and the menu goes on")
            .fail();
    }
}

#[test]
fn menu_ends_with_quit_at_the_end_of_input() {
    let (addr, server) = fake_server(|wire| {
        let mut seen = Vec::new();
        while let Some(request) = wire.frame() {
            if request.first() == Some(&b'L') {
                wire.reply(OK, 0, "");
            }
            seen.push(request);
        }
        seen
    });
    let dir = tempfile::tempdir().expect("a temporary folder");
    let to = dir.path().to_path_buf();
    let (result, output) = Task::spawn("ftp_client::menu", move || {
        let mut output = Vec::new();
        let result = kit::menu(addr, &to, &mut Cursor::new(b"1\n".to_vec()), &mut output)
            .map_err(|e| e.to_string());
        (result, String::from_utf8_lossy(&output).into_owned())
    })
    .join();
    let seen = server.join();
    if result.is_err() || seen != [b"L".to_vec(), b"Q".to_vec()] || !output.contains("(no files)") {
        Report::sent(
            "menu with the input \"1\\n\", then the end of input; the server has no files",
        )
        .expected("List, `(no files)` printed, then Quit and Ok(()) at the end of input")
        .got(format!(
            "{result:?}; requests {:?}\n--- output ---\n{output}",
            seen.iter().map(|r| show(r)).collect::<Vec<_>>()
        ))
        .cause("read_line returning 0 is the end of input: send Quit and return")
        .fail();
    }
}

// ---------------------------------------------------------------- the programs

fn start_server(root: &Path) -> (Program, String) {
    let root_arg = root.to_str().expect("a UTF-8 temporary path");
    let (server, addr) =
        Program::start_server(&["ftp-server", "--root", root_arg, "--addr", "127.0.0.1:0"]);
    (server, addr.to_string())
}

#[test]
fn via_the_programs_put_list_get_say_what_they_did_and_refuse_in_one_line() {
    let root = tempfile::tempdir().expect("a temporary folder");
    let (server, addr) = start_server(root.path());
    let source = tempfile::tempdir().expect("a temporary folder");
    let file = source.path().join("hello.txt");
    std::fs::write(&file, b"hello ## world\n").expect("writing");
    let file_arg = file.to_str().expect("UTF-8").to_string();
    let down = tempfile::tempdir().expect("a temporary folder");
    let down_arg = down.path().to_str().expect("UTF-8").to_string();

    let steps: Vec<(Vec<&str>, bool, &str)> = vec![
        (vec!["put", &file_arg], true, "uploaded"),
        (vec!["put", &file_arg], false, "exists"),
        (vec!["list"], true, "hello.txt"),
        (vec!["get", "hello.txt", "--to", &down_arg], true, "saved"),
        (vec!["get", "hello.txt", "--to", &down_arg], false, "exists"),
        (
            vec!["get", "hello.txt", "--to", &down_arg, "--force"],
            true,
            "saved",
        ),
        (
            vec!["get", "missing.txt", "--to", &down_arg],
            false,
            "NotFound",
        ),
        (
            vec!["get", "../escape", "--to", &down_arg],
            false,
            "bad name",
        ),
    ];
    for (args, success, says) in steps {
        let mut command = vec!["ftp-client", "--server", &addr];
        command.extend(&args);
        let run = Program::start(&command).finish();
        let text = if success {
            run.stdout.join("\n")
        } else {
            run.stderr.clone()
        };
        let one_line = success || run.stderr.trim().lines().count() == 1;
        if run.status.success() != success || !text.contains(says) || !one_line {
            Report::sent(format!(
                "`netkit {}` against `{}`",
                command.join(" "),
                server.command_line()
            ))
            .expected(format!(
                "{}, saying {says:?}{}",
                if success { "exit 0" } else { "a non-zero exit" },
                if success {
                    " on stdout"
                } else {
                    " in one line on stderr"
                }
            ))
            .got(format!(
                "{}; stdout {:?}; stderr {}",
                run.status,
                run.stdout,
                stderr_gist(&run.stderr)
            ))
            .fail();
        }
    }
    let saved = std::fs::read(down.path().join("hello.txt")).unwrap_or_default();
    if saved != b"hello ## world\n"
        || entries(down.path()) != ["hello.txt"]
        || entries(root.path()) != ["hello.txt"]
    {
        Report::sent("put, list, get, get --force, get missing, get ../escape")
            .expected("hello.txt byte for byte in both folders, and nothing else")
            .got(format!(
                "the download folder holds {:?} ({}); the root {:?}",
                entries(down.path()),
                show(&saved),
                entries(root.path())
            ))
            .fail();
    }
}

fn write_noise_file(path: &Path, size: usize) -> [u8; 32] {
    let mut file = std::io::BufWriter::new(File::create(path).expect("creating the big file"));
    let mut hasher = Sha256::new();
    let mut written = 0;
    let mut seed = 1;
    while written < size {
        let piece = XorShift::seeded(seed | 1).bytes((size - written).min(1 << 20));
        hasher.update(&piece);
        file.write_all(&piece).expect("writing the big file");
        written += piece.len();
        seed += 1;
    }
    file.flush().expect("writing the big file");
    hasher.finalize().into()
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

#[test]
fn via_the_programs_50_mib_go_up_and_down_byte_identical_in_little_memory() {
    const SIZE: usize = 50 << 20;
    const LIMIT: u64 = 32 << 20;
    let root = tempfile::tempdir().expect("a temporary folder");
    let (server, addr) = start_server(root.path());
    let source = tempfile::tempdir().expect("a temporary folder");
    let path = source.path().join("video.bin");
    let hash = write_noise_file(&path, SIZE);
    let down = tempfile::tempdir().expect("a temporary folder");
    let down_arg = down.path().to_str().expect("UTF-8");

    let started = std::time::Instant::now();
    let up = run_measured(&[
        "ftp-client",
        "--server",
        &addr,
        "put",
        path.to_str().expect("UTF-8"),
    ]);
    let up_time = started.elapsed();
    let started = std::time::Instant::now();
    let get = run_measured(&[
        "ftp-client",
        "--server",
        &addr,
        "get",
        "video.bin",
        "--to",
        down_arg,
    ]);
    let get_time = started.elapsed();
    for run in [&up, &get] {
        if !run.status.success() {
            Report::sent(format!(
                "`{}` against `{}`",
                run.command_line,
                server.command_line()
            ))
            .expected("exit 0")
            .got(format!("{}: {}", run.status, run.stderr_gist()))
            .fail();
        }
    }
    let saved = down.path().join("video.bin");
    if sha256_of(&root.path().join("video.bin")) != hash || sha256_of(&saved) != hash {
        Report::sent("50 MiB put, then get")
            .expected("the same bytes on the server and back in the download folder")
            .got("other bytes")
            .fail();
    }
    let server_peak = netkit_tests::harness::peak_memory(server.pid());
    eprintln!(
        "ftp-client: 50 MiB put in {up_time:?} (peak {} MiB), get in {get_time:?} (peak {} MiB); server peak {} MiB",
        up.peak_memory >> 20,
        get.peak_memory >> 20,
        server_peak >> 20
    );
    for (who, peak) in [
        ("put", up.peak_memory),
        ("get", get.peak_memory),
        ("the server", server_peak),
    ] {
        if peak > LIMIT {
            Report::sent("50 MiB put, then get, through the programs")
                .expected(format!(
                    "{who} to use at most {} MiB at its peak",
                    LIMIT >> 20
                ))
                .got(format!("{} MiB", peak >> 20))
                .cause(
                    "a file was held whole in memory: stream it with copy_exact, CHUNK at a time",
                )
                .fail();
        }
    }
}

#[test]
fn via_the_programs_a_client_killed_half_way_through_an_upload_leaves_nothing() {
    const SIZE: usize = 8 << 20;
    const PASSED: usize = 1 << 20;
    let root = tempfile::tempdir().expect("a temporary folder");
    let (server, addr) = start_server(root.path());
    let source = tempfile::tempdir().expect("a temporary folder");
    let path = source.path().join("big.bin");
    write_noise_file(&path, SIZE);

    // The client talks to the server through the test, which lets the
    // replies through and the first PASSED bytes of the upload, no more:
    // the client is then surely half way when the test kills it.
    let proxy: TcpListener = loopback_listener();
    let proxy_addr = proxy.local_addr().expect("an address").to_string();
    let client = Program::start(&[
        "ftp-client",
        "--server",
        &proxy_addr,
        "put",
        path.to_str().expect("UTF-8"),
    ]);
    // Accepted on a thread of its own, so that the wait is bounded and
    // watches the client (a client that fails never connects).
    let (accepted, accepted_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = accepted.send(proxy.accept());
    });
    let from_client = match wait_for(&client, || Ok(accepted_rx.recv_timeout(STEP).ok())) {
        Ok(Ok((stream, _))) => stream,
        Ok(Err(e)) => panic!("accepting the client failed: {e}"),
        Err(e) => Report::sent(format!("`{}`", client.command_line()))
            .expected("the client to connect and upload")
            .got(e.to_string())
            .fail(),
    };
    let to_server = TcpStream::connect(&addr).expect("connecting to the server");
    let mut replies_in = to_server.try_clone().expect("a clone");
    replies_in
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    let mut replies_out = from_client.try_clone().expect("a clone");
    // Replies go through until the server closes, even once the client is
    // gone (its writes then fail): that close is what the test waits for.
    let replies = std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = replies_in.read(&mut chunk) {
            let _ = replies_out.write_all(&chunk[..n]);
        }
    });
    from_client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    let mut passed = 0;
    let mut chunk = vec![0u8; 64 * 1024];
    while passed < PASSED {
        let n = (&from_client)
            .read(&mut chunk)
            .expect("the client's upload, through the test");
        assert!(n > 0, "the client closed before sending {PASSED} bytes");
        (&to_server)
            .write_all(&chunk[..n])
            .expect("passing bytes to the server");
        passed += n;
    }
    let temp_seen = entries(root.path());
    drop(client); // kills it (its whole process group)
    // The client is gone: its end closes, and the test closes the server's.
    drop(from_client);
    let _ = to_server.shutdown(Shutdown::Write);
    // The server deletes the temporary file, then closes: the reply thread
    // sees that close. Bounded: the server's read timeout is 30 s at most,
    // and its end of file comes at once.
    replies.join().expect("the reply thread");

    let mut peer = TcpPeer::connect_watched(addr.parse().expect("an address"), &server);
    peer.send(&frame(b"L"));
    let listing = match peer.try_read_exact(13, &server) {
        Ok(reply) => reply,
        Err((got, why)) => Report::sent("List, after the killed upload")
            .expected("a reply frame of 13 bytes")
            .got(format!("{} ({why})", show(&got)))
            .fail(),
    };
    let left = entries(root.path());
    if !left.is_empty() || listing != reply_frame(OK, 0, "") {
        Report::sent(format!(
            "`ftp-client put big.bin` (8 MiB) killed after {passed} bytes reached the server"
        ))
        .expected("no file in the root: not big.bin, not a temporary file")
        .got(format!(
            "the root holds {left:?} (while the upload ran: {temp_seen:?}); a List then got {}",
            show(&listing)
        ))
        .cause(
            "the server must upload into a temporary file and drop it when the stream ends early",
        )
        .fail();
    }
}
