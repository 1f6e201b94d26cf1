//! Tests of the exercise `frame-pipe`: framed messages from forked children
//! to their parent over one socket pair (book: ch2/frame-pipe.md).
//!
//! `send_frame` and `recv_frame` are tested in this process, over a
//! `UnixStream::pair()` whose other end the test holds: the test writes
//! exactly the bytes it wants (a frame cut short, a huge length) and closes
//! its end when it wants the stream to end. Every call runs under a
//! watchdog. `gather` forks, so it runs in probes (`frame_pipe::…`), whose
//! deadlocks (a parent waiting for an end that cannot come) fail at once.

use netkit_tests::harness::{ProbeRun, Report, Task, probe, show, watchdog};
use netkit_tests::kit::ch2::frame_pipe::{self as kit, MAX_MESSAGE};
use netkit_tests::probes::frame_pipe::big_messages;
use rstest::rstest;
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// The bound on every call here that could hang.
const LIMIT: Duration = Duration::from_secs(5);

/// A connected pair: (the end the code under test uses, the test's end).
fn pair() -> (UnixStream, UnixStream) {
    UnixStream::pair().expect("making a socket pair")
}

/// What came out of a `recv_frame`, for messages.
fn shown(result: &io::Result<Option<Vec<u8>>>) -> String {
    match result {
        Ok(Some(m)) => format!("Ok(Some({}))", show(m)),
        Ok(None) => "Ok(None)".to_string(),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}

/// `recv_frame` on `ours` after the test wrote `bytes` to its end and then
/// closed it (`close`) or kept it open; under the watchdog.
fn recv_after(bytes: &[u8], close: bool) -> (io::Result<Option<Vec<u8>>>, UnixStream) {
    let (ours, mut theirs) = pair();
    theirs.write_all(bytes).expect("the test writes its bytes");
    let kept = if close {
        drop(theirs);
        None
    } else {
        Some(theirs)
    };
    let result = watchdog(LIMIT, "recv_frame", move || {
        let result = kit::recv_frame(&ours);
        (result, ours)
    });
    drop(kept);
    result
}

// --- send_frame ----------------------------------------------------------------

#[rstest]
#[case::hello(b"hello".as_slice())]
#[case::empty(b"".as_slice())]
#[case::a_fake_length_prefix(b"\x00\x00\x00\x05hi".as_slice())]
#[case::not_utf8(b"\xff\x00\xfe".as_slice())]
fn send_frame_writes_a_big_endian_length_then_the_message(#[case] message: &[u8]) {
    let (ours, mut theirs) = pair();
    let m = message.to_vec();
    let sent = watchdog(LIMIT, "send_frame", move || kit::send_frame(&ours, &m));
    let did = format!(
        "send_frame({}), then the sending end dropped",
        show(message)
    );
    if let Err(e) = sent {
        Report::sent(&did)
            .expected("Ok(())")
            .got(format!("Err({e})"))
            .cause("any message of at most MAX_MESSAGE bytes is sent, even an empty one")
            .fail();
    }
    let mut bytes = Vec::new();
    theirs
        .read_to_end(&mut bytes)
        .expect("reading what was sent");
    let mut expected = (message.len() as u32).to_be_bytes().to_vec();
    expected.extend_from_slice(message);
    if bytes != expected {
        Report::sent(&did)
            .expected(format!("exactly the bytes {}", show(&expected)))
            .got(show(&bytes))
            .cause(
                "a frame is the length as 4 bytes, big endian (u32::to_be_bytes), then the \
                 message itself, nothing more",
            )
            .fail();
    }
}

#[test]
fn send_frame_refuses_a_message_over_max_message_and_writes_nothing() {
    let (ours, mut theirs) = pair();
    let result = watchdog(LIMIT, "send_frame of MAX_MESSAGE + 1 bytes", move || {
        kit::send_frame(&ours, &vec![b'x'; MAX_MESSAGE + 1])
    });
    let mut bytes = Vec::new();
    theirs
        .read_to_end(&mut bytes)
        .expect("reading what was sent");
    let refused = matches!(&result, Err(e) if e.kind() == io::ErrorKind::InvalidInput);
    if !refused || !bytes.is_empty() {
        Report::sent("send_frame() of MAX_MESSAGE + 1 bytes")
            .expected("Err(InvalidInput), and not one byte written")
            .got(format!(
                "{:?}, and {} bytes written",
                result.map_err(|e| e.kind()),
                bytes.len()
            ))
            .cause("check the length first, before anything is written")
            .fail();
    }
}

// --- recv_frame ----------------------------------------------------------------

#[rstest]
#[case::hello(b"hello".as_slice())]
#[case::empty(b"".as_slice())]
#[case::one_zero_byte(b"\0".as_slice())]
#[case::a_fake_length_prefix(b"\x00\x00\x00\x05hello".as_slice())]
#[case::not_utf8(b"\xff\xfe\x00\x80".as_slice())]
fn recv_frame_reads_a_frame_back_then_none_at_the_end(#[case] message: &[u8]) {
    let mut bytes = (message.len() as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(message);
    bytes.extend_from_slice(b"\x00\x00\x00\x04next");
    let (ours, mut theirs) = pair();
    theirs.write_all(&bytes).expect("the test writes its bytes");
    drop(theirs);
    let got = watchdog(LIMIT, "three recv_frame calls", move || {
        [(); 3].map(|()| kit::recv_frame(&ours))
    });
    let did = format!(
        "the frames of {} and b\"next\", then the writing end closed; three recv_frame calls",
        show(message)
    );
    let right = matches!(&got[0], Ok(Some(m)) if m == message)
        && matches!(&got[1], Ok(Some(m)) if m == b"next")
        && matches!(&got[2], Ok(None));
    if !right {
        Report::sent(did)
            .expected(format!(
                "Ok(Some({})), Ok(Some(b\"next\")), Ok(None)",
                show(message)
            ))
            .got(got.iter().map(shown).collect::<Vec<_>>().join(", "))
            .cause(if message.is_empty() {
                "an empty message is a frame too (the prefix 0, then no byte): only a read of 0 \
                 bytes before the prefix is the end"
            } else {
                "read the 4-byte prefix whole, then exactly that many bytes; the end of the \
                 stream before a frame's first byte is Ok(None)"
            })
            .fail();
    }
}

#[rstest]
#[case::in_the_prefix(b"\x00\x00".as_slice())]
#[case::after_the_prefix(b"\x00\x00\x00\x0a".as_slice())]
#[case::inside_the_message(b"\x00\x00\x00\x0ahalf".as_slice())]
fn recv_frame_fails_when_the_stream_ends_inside_a_frame(#[case] bytes: &[u8]) {
    let (result, _ours) = recv_after(bytes, true);
    if !matches!(&result, Err(e) if e.kind() == io::ErrorKind::UnexpectedEof) {
        Report::sent(format!(
            "the bytes {}, then the writing end closed; recv_frame",
            show(bytes)
        ))
        .expected("Err(UnexpectedEof): the writer stopped in the middle of a frame")
        .got(shown(&result))
        .cause(
            "only 0 bytes before the first byte of a frame is a clean end (Ok(None)); once a \
             frame has begun, read the rest with read_exact, whose UnexpectedEof is the answer. \
             A single `read` returns what is there, not what the frame needs",
        )
        .fail();
    }
}

#[test]
fn recv_frame_refuses_a_length_over_max_message_before_reading_it() {
    // The writing end stays open and nothing follows the prefix: a reader
    // that believed the length would wait for 1 MiB + 1 bytes for ever.
    let prefix = ((MAX_MESSAGE + 1) as u32).to_be_bytes();
    let (result, _ours) = recv_after(&prefix, false);
    if !matches!(&result, Err(e) if e.kind() == io::ErrorKind::InvalidData) {
        Report::sent(format!(
            "the prefix {} (MAX_MESSAGE + 1) and nothing more, the writing end open; recv_frame",
            show(&prefix)
        ))
        .expected("Err(InvalidData), at once")
        .got(shown(&result))
        .cause("check the length against MAX_MESSAGE as soon as the prefix is read, before anything is allocated or read")
        .fail();
    }
}

#[test]
fn a_frame_bigger_than_the_socket_buffer_arrives_whole() {
    // 1 MiB does not fit in the socket's buffer (about 200 KiB): the writer
    // writes while the reader reads, and the message comes in many pieces.
    let big: Vec<u8> = (0..MAX_MESSAGE).map(|i| (i % 251) as u8).collect();
    let (ours, theirs) = pair();
    let to_send = big.clone();
    let writer = Task::spawn("frame_pipe::send_frame", move || {
        kit::send_frame(&theirs, &to_send).map(|()| theirs)
    });
    let got = watchdog(LIMIT, "recv_frame of MAX_MESSAGE bytes", move || {
        kit::recv_frame(&ours)
    });
    let did = "send_frame of MAX_MESSAGE (1 MiB) bytes on another thread; recv_frame";
    if !matches!(&got, Ok(Some(m)) if *m == big) {
        Report::sent(did)
            .expected("Ok(Some(the 1 MiB message, byte for byte))")
            .got(match &got {
                Ok(Some(m)) => format!("Ok(Some({} bytes, not the same))", m.len()),
                other => shown(other),
            })
            .cause(
                "one read returns what has arrived so far: read_exact until the message is whole",
            )
            .fail();
    }
    if let Err(e) = writer.join() {
        Report::sent(did)
            .expected("send_frame to return Ok(())")
            .got(format!("Err({e})"))
            .cause("write the whole frame with write_all")
            .fail();
    }
}

// --- gather, across a real fork (probes) -------------------------------------

/// Fails unless the probe's `gather` returned Ok and left no child.
#[track_caller]
fn expect_ok_and_reaped(run: &ProbeRun, did: &str) {
    if run.value("result") != "ok" || run.value("children") != "0" {
        Report::sent(did)
            .expected("Ok(the messages), and no child left (not even a zombie)")
            .got(format!(
                "`result {}`, {} children left ({} zombies); stderr: {}",
                run.value("result"),
                run.value("children"),
                run.value("zombies"),
                run.stderr
            ))
            .cause("wait_for every child, after the stream has ended")
            .fail();
    }
}

#[rstest]
#[case::no_child(0, 0, 0)]
#[case::one_child(1, 20, 50)]
#[case::four_children_at_once(4, 50, 200)]
fn every_message_of_every_child_arrives_whole_and_in_its_order(
    #[case] children: usize,
    #[case] count: usize,
    #[case] size: usize,
) {
    let args = [children, count, size].map(|n| n.to_string());
    let run = probe("frame_pipe::many", &args.each_ref().map(String::as_str));
    let did =
        format!("gather() with {children} children, each sending {count} messages of {size} bytes");
    let total = (children * count).to_string();
    let summary = format!(
        "received {}, intact {}, broken {}, out of order {}",
        run.value("received"),
        run.value("intact"),
        run.value("broken"),
        run.value("out_of_order")
    );
    if run.value("intact") != total
        || run.value("received") != total
        || run.value("out_of_order") != "0"
    {
        Report::sent(&did)
            .expected(format!(
                "{total} messages, each whole, each child's in its order"
            ))
            .got(format!(
                "{summary}; `result {}`; stderr: {}",
                run.value("result"),
                run.stderr
            ))
            .cause(
                "each child sends its messages with send_frame, the parent reads with \
                 recv_frame until Ok(None)",
            )
            .fail();
    }
    expect_ok_and_reaped(&run, &did);
}

#[test]
fn messages_bigger_than_the_socket_buffer_come_through() {
    let run = probe("frame_pipe::big", &[]);
    let expected: Vec<String> = big_messages()
        .iter()
        .enumerate()
        .map(|(i, m)| format!("{i} {} ok", m.len()))
        .collect();
    let did = "gather() with one child sending 1 MiB, an empty message, a fake prefix, \
               300 000 bytes and a short one";
    let got = run.values("message");
    if got != expected {
        Report::sent(did)
            .expected(format!(
                "each one back whole (`INDEX LEN ok`): {expected:?}"
            ))
            .got(format!(
                "{got:?}; `result {}`; stderr: {}",
                run.value("result"),
                run.stderr
            ))
            .cause(
                "the parent reads while the child writes: a child whose messages fill the \
                 socket's buffer waits until the parent reads",
            )
            .fail();
    }
    expect_ok_and_reaped(&run, did);
}

#[test]
fn a_child_that_fails_is_reported_and_every_child_is_reaped() {
    let run = probe("frame_pipe::failing", &[]);
    let did = "gather() with 3 children; the first one's message is over MAX_MESSAGE, so its \
               send_frame fails";
    let result = run.value("result");
    if result != "error child 0 exited with 1" || run.value("children") != "0" {
        Report::sent(did)
            .expected(
                "Err(GatherError::ChildFailed { index: 0, exit: Exited(1) }) (`child 0 exited \
                 with 1`), once all 3 children are reaped",
            )
            .got(format!(
                "`result {result}`, {} children left ({} zombies); stderr: {}",
                run.value("children"),
                run.value("zombies"),
                run.stderr
            ))
            .cause(
                "a child whose send fails returns 1; the parent waits for EVERY child, keeps \
                 the first failure, and returns it after the last wait_for",
            )
            .fail();
    }
}

#[test]
fn gather_with_two_threads_refuses_to_fork_and_leaves_nothing() {
    let run = probe("frame_pipe::threaded", &[]);
    let result = run.value("result");
    if !result.starts_with("error will not fork") || run.value("children") != "0" {
        Report::sent("gather() with 2 children, called from a process that runs a second thread")
            .expected("Err(GatherError::Process(ProcessError::Threaded { threads: 2 })), no child")
            .got(format!(
                "`result {result}`, {} children left; stderr: {}",
                run.value("children"),
                run.stderr
            ))
            .cause("spawn's error goes back to the caller (after the stream is read and every started child reaped)")
            .fail();
    }
}
