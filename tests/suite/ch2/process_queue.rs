//! Tests of the exercise `process-queue`: a bounded message queue over
//! socket pairs (book: ch2/process-queue.md).
//!
//! First in one process, with threads playing the two sides (no fork in the
//! test process): order, binary and large messages, the limit, timeouts, a
//! full queue that makes the writer wait, and both ways of disconnecting.
//! Then across a real `fork`, in probes.

use netkit_tests::harness::{Liveness, Report, STEP, Task, probe, show, wait_for, watchdog};
use netkit_tests::kit::ch2::process_queue::{
    self as kit, MAX_CAPACITY, MAX_MESSAGE, QueueError, Receiver, Sender,
};
use netkit_tests::probes::process_queue::{DRAIN_WAIT, binary_payloads};
use rstest::rstest;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The bound on every test here that could hang on a broken queue.
const LIMIT: Duration = Duration::from_secs(5);

/// A queue of `capacity`; fails the test with the error if there is none.
#[track_caller]
fn new_queue(capacity: usize) -> (Sender, Receiver) {
    kit::queue(capacity).unwrap_or_else(|e| {
        Report::sent(format!("queue({capacity})"))
            .expected("Ok((sender, receiver))")
            .got(format!("Err({e:?})"))
            .cause("make three pairs with UnixStream::pair(), put `capacity` credits and one pen token in")
            .fail()
    })
}

/// Puts `message`, failing the test with what went wrong.
#[track_caller]
fn put(sender: &mut Sender, message: &[u8]) {
    if let Err(e) = sender.put(message) {
        Report::sent(format!("put({})", show(message)))
            .expected("Ok(())")
            .got(format!("Err({e:?})"))
            .cause("put should take a credit and the pen, write the frame, give the pen back")
            .fail();
    }
}

/// Gets one message and checks that it is `expected`.
#[track_caller]
fn expect_get(receiver: &mut Receiver, expected: &[u8], sent: &str) {
    match receiver.get() {
        Ok(message) if message == expected => {}
        other => Report::sent(sent)
            .expected(format!("get() to return Ok({})", show(expected)))
            .got(match other {
                Ok(message) => format!("Ok({})", show(&message)),
                Err(e) => format!("Err({e:?})"),
            })
            .cause(
                "a frame is a 4-byte big-endian length, then exactly that many bytes: \
                 read the prefix whole (read_exact), then the message",
            )
            .fail(),
    }
}

// --- in one process ---------------------------------------------------------

#[test]
fn messages_come_out_in_the_order_they_went_in() {
    watchdog(
        LIMIT,
        "putting 5 messages into a queue of 8, then getting them",
        || {
            let (mut sender, mut receiver) = new_queue(8);
            let messages = ["first", "second", "third", "fourth", "fifth"];
            for m in messages {
                put(&mut sender, m.as_bytes());
            }
            for m in messages {
                expect_get(
                    &mut receiver,
                    m.as_bytes(),
                    "put first, second, third, fourth, fifth into a queue of capacity 8",
                );
            }
        },
    );
}

#[rstest]
#[case::empty(b"".as_slice())]
#[case::one_zero_byte(b"\0".as_slice())]
#[case::a_fake_length_prefix(b"\x00\x00\x00\x05hello".as_slice())]
#[case::the_seeds_end_marker(b"##".as_slice())]
#[case::a_newline(b"line one\nline two\n".as_slice())]
#[case::not_utf8(b"\xff\xfe\x00\x80".as_slice())]
fn any_bytes_come_out_unchanged(#[case] message: &[u8]) {
    let message = message.to_vec();
    watchdog(LIMIT, "putting then getting one message", move || {
        let (mut sender, mut receiver) = new_queue(2);
        put(&mut sender, &message);
        put(&mut sender, b"next");
        let sent = format!("put({}), then put(b\"next\")", show(&message));
        expect_get(&mut receiver, &message, &sent);
        expect_get(&mut receiver, b"next", &sent);
    });
}

#[test]
fn a_message_of_max_message_bytes_gets_through() {
    // 1 MiB does not fit in a socket buffer: a thread writes while we read.
    let big: Vec<u8> = (0..MAX_MESSAGE).map(|i| (i % 251) as u8).collect();
    let expected = big.clone();
    watchdog(LIMIT, "moving a message of MAX_MESSAGE bytes", move || {
        let (mut sender, mut receiver) = new_queue(1);
        let writer = Task::spawn("process_queue::Sender::put", move || {
            sender.put(&big).map(|()| sender)
        });
        expect_get(
            &mut receiver,
            &expected,
            "put() of MAX_MESSAGE (1 MiB) bytes, from another thread",
        );
        if let Err(e) = writer.join() {
            Report::sent("put() of MAX_MESSAGE (1 MiB) bytes, from another thread")
                .expected("Ok(()), once the message was got whole")
                .got(format!("Err({e:?})"))
                .cause("write the whole frame with write_all; a message of MAX_MESSAGE bytes is allowed")
                .fail();
        }
    });
}

#[test]
fn put_refuses_a_message_over_max_message_and_the_queue_still_works() {
    watchdog(LIMIT, "putting a message that is too long", || {
        let (mut sender, mut receiver) = new_queue(2);
        let too_long = vec![b'x'; MAX_MESSAGE + 1];
        match sender.put(&too_long) {
            Err(QueueError::TooLong { len, max })
                if len == MAX_MESSAGE + 1 && max == MAX_MESSAGE => {}
            other => Report::sent("put() of MAX_MESSAGE + 1 bytes")
                .expected("Err(QueueError::TooLong { len: MAX_MESSAGE + 1, max: MAX_MESSAGE })")
                .got(format!("{other:?}"))
                .cause("check the length first, before taking a credit or writing anything")
                .fail(),
        }
        put(&mut sender, b"after the refusal");
        expect_get(
            &mut receiver,
            b"after the refusal",
            "put() of MAX_MESSAGE + 1 bytes (refused), then put(b\"after the refusal\")",
        );
        // The refused put took no credit: both slots are still free.
        put(&mut sender, b"one");
        put(&mut sender, b"two");
    });
}

#[rstest]
#[case::zero(0)]
#[case::one_over_the_maximum(MAX_CAPACITY + 1)]
fn refuses_a_capacity_outside_one_to_max_capacity(#[case] capacity: usize) {
    match kit::queue(capacity) {
        Err(QueueError::BadCapacity { capacity: c }) if c == capacity => {}
        other => Report::sent(format!("queue({capacity})"))
            .expected(format!(
                "Err(QueueError::BadCapacity {{ capacity: {capacity} }})"
            ))
            .got(format!("{:?}", other.map(|_| "a queue")))
            .cause("a capacity is 1 to MAX_CAPACITY messages: 0 could never hold one")
            .fail(),
    }
}

#[test]
fn a_queue_of_max_capacity_holds_that_many_without_a_get() {
    watchdog(
        LIMIT,
        "putting MAX_CAPACITY messages with nobody getting",
        || {
            let (mut sender, mut receiver) = new_queue(MAX_CAPACITY);
            for i in 0..MAX_CAPACITY {
                put(&mut sender, format!("message {i}").as_bytes());
            }
            for i in 0..MAX_CAPACITY {
                expect_get(
                    &mut receiver,
                    format!("message {i}").as_bytes(),
                    "MAX_CAPACITY puts into a queue of MAX_CAPACITY",
                );
            }
        },
    );
}

#[test]
fn get_timeout_returns_none_when_nothing_comes() {
    watchdog(LIMIT, "get_timeout(50 ms) on an empty queue", || {
        let (mut sender, mut receiver) = new_queue(2);
        match receiver.get_timeout(Duration::from_millis(50)) {
            Ok(None) => {}
            other => Report::sent("get_timeout(50 ms) on an empty queue whose sender is alive")
                .expected("Ok(None)")
                .got(format!("{other:?}"))
                .cause("a read timeout shows up as io::ErrorKind::WouldBlock (or TimedOut): that is Ok(None)")
                .fail(),
        }
        put(&mut sender, b"again");
        match receiver.get_timeout(Duration::from_millis(50)) {
            Ok(Some(m)) if m == b"again" => {}
            other => Report::sent("get_timeout(50 ms) with b\"again\" waiting")
                .expected("Ok(Some(b\"again\"))")
                .got(format!("{other:?}"))
                .cause("a message that is already there is returned at once")
                .fail(),
        }
        drop(sender);
    });
}

/// Fails unless `task` is still running `window` from now: it should be
/// waiting for something the test has not done yet.
#[track_caller]
fn expect_still_waiting<T: std::fmt::Debug>(
    task: &Task<T>,
    window: Duration,
    sent: &str,
    cause: &str,
) {
    let deadline = Instant::now() + window;
    while Instant::now() < deadline {
        if let Err(why) = task.check() {
            Report::sent(sent)
                .expected("it to wait until the test does its part")
                .got(why)
                .cause(cause)
                .fail();
        }
        std::thread::park_timeout(STEP);
    }
}

#[test]
fn a_get_after_a_get_timeout_still_waits_as_long_as_it_takes() {
    let (mut sender, mut receiver) = new_queue(2);
    let (first_returned, first_done) = mpsc::channel::<()>();
    let getter = Task::spawn("process_queue::Receiver::get", move || {
        let first = receiver.get_timeout(Duration::from_millis(20));
        let _ = first_returned.send(());
        (first, receiver.get())
    });
    let sent = "get_timeout(20 ms) on an empty queue, then get(), with put(b\"later\") 300 ms \
                after get_timeout returned";
    // Put only once get_timeout has returned: before, it would take the message.
    if let Err(e) = wait_for(&getter, || Ok(first_done.recv_timeout(STEP).ok())) {
        Report::sent(sent)
            .expected("get_timeout(20 ms) to return")
            .got(e.to_string())
            .cause("get_timeout waits at most its timeout for a frame to begin")
            .fail();
    }
    expect_still_waiting(
        &getter,
        Duration::from_millis(300),
        sent,
        "get_timeout left its read timeout on the socket: get must set it back to None",
    );
    put(&mut sender, b"later");
    match getter.join() {
        (Ok(None), Ok(m)) if m == b"later" => {}
        other => Report::sent(sent)
            .expected("(Ok(None), Ok(b\"later\"))")
            .got(format!("{other:?}"))
            .cause("get waits with no timeout at all: set_read_timeout(None) first")
            .fail(),
    }
}

#[test]
fn get_timeout_of_zero_takes_a_message_already_waiting() {
    watchdog(LIMIT, "get_timeout(0) with a message waiting", || {
        let (mut sender, mut receiver) = new_queue(2);
        put(&mut sender, b"ready");
        match receiver.get_timeout(Duration::ZERO) {
            Ok(Some(m)) if m == b"ready" => {}
            other => Report::sent("put(b\"ready\"), then get_timeout(Duration::ZERO)")
                .expected("Ok(Some(b\"ready\"))")
                .got(format!("{other:?}"))
                .cause("set_read_timeout(Some(ZERO)) is an error: wait at least a millisecond")
                .fail(),
        }
        drop(sender);
    });
}

#[test]
fn get_timeout_returns_a_message_put_while_it_waits() {
    let (mut sender, mut receiver) = new_queue(2);
    let getter = Task::spawn("process_queue::Receiver::get_timeout", move || {
        receiver.get_timeout(Duration::from_secs(5))
    });
    put(&mut sender, b"while you wait");
    match getter.join() {
        Ok(Some(m)) if m == b"while you wait" => {}
        other => Report::sent("get_timeout(5 s) on another thread, then put(b\"while you wait\")")
            .expected("Ok(Some(b\"while you wait\"))")
            .got(format!("{other:?}"))
            .cause("get_timeout waits (up to the timeout) for the first byte of a frame")
            .fail(),
    }
}

#[test]
fn a_full_queue_makes_the_writer_wait_until_a_get() {
    let (mut sender, mut receiver) = new_queue(3);
    let (progress, puts_done) = mpsc::channel::<usize>();
    // The writer reports each put that returned; it keeps its sender alive
    // until the end, so the queue cannot look disconnected.
    let writer = Task::spawn("process_queue::Sender::put", move || {
        for i in 0..4 {
            sender.put(format!("message {i}").as_bytes())?;
            let _ = progress.send(i);
        }
        Ok::<Sender, QueueError>(sender)
    });
    let next_put = |what: &str| -> usize {
        wait_for(&writer, || Ok(puts_done.recv_timeout(STEP).ok())).unwrap_or_else(|e| {
            Report::sent("4 puts into a queue of capacity 3, on another thread")
                .expected(what.to_string())
                .got(e.to_string())
                .cause("the first `capacity` puts find a free slot (a credit) each")
                .fail()
        })
    };
    for _ in 0..3 {
        next_put("the first 3 puts to return at once");
    }
    // The fourth must wait: nobody has got anything yet.
    if let Ok(i) = puts_done.recv_timeout(Duration::from_millis(300)) {
        Report::sent("4 puts into a queue of capacity 3, and no get")
            .expected("the 4th put to wait until a message is got")
            .got(format!("put number {} returned at once", i + 1))
            .cause(
                "take a credit (one byte from the credit pair) before each put; \
                 the receiver gives one back after each get",
            )
            .fail();
    }
    // The receiver comes back and stays alive: dropped, it would make the
    // waiting put fail with ReceiverGone instead of going through.
    let receiver = watchdog(LIMIT, "getting from a full queue", move || {
        expect_get(
            &mut receiver,
            b"message 0",
            "4 puts into a queue of capacity 3",
        );
        receiver
    });
    let freed = next_put("the 4th put to return once one message was got");
    let sent = "4 puts into a queue of capacity 3, on another thread, then one get";
    if freed != 3 {
        Report::sent(sent)
            .expected("the put that waited to be the 4th")
            .got(format!("put number {} returned", freed + 1))
            .cause("each put takes one credit; the get gives one back")
            .fail();
    }
    if let Err(e) = writer.join() {
        Report::sent(sent)
            .expected("every put to return Ok(())")
            .got(format!("Err({e:?})"))
            .cause("a put waits for a credit; it fails only when the receiver is gone")
            .fail();
    }
    drop(receiver);
}

#[test]
fn get_reports_disconnected_once_the_sender_is_gone_and_the_queue_empty() {
    watchdog(
        LIMIT,
        "getting from a queue whose sender is dropped",
        || {
            let (mut sender, mut receiver) = new_queue(4);
            put(&mut sender, b"one");
            put(&mut sender, b"two");
            drop(sender);
            let sent = "put(b\"one\"), put(b\"two\"), then the sender dropped";
            expect_get(&mut receiver, b"one", sent);
            expect_get(&mut receiver, b"two", sent);
            match receiver.get() {
            Err(QueueError::Disconnected) => {}
            other => Report::sent(format!("{sent}; two gets, then a third"))
                .expected("Err(QueueError::Disconnected)")
                .got(format!("{other:?}"))
                .cause("read() returning 0 bytes before a frame's first byte means every sender closed its end")
                .fail(),
        }
            match receiver.get_timeout(Duration::from_millis(50)) {
                Err(QueueError::Disconnected) => {}
                other => Report::sent(format!(
                    "{sent}; then get_timeout(50 ms) on the empty queue"
                ))
                .expected("Err(QueueError::Disconnected), not Ok(None): no message will ever come")
                .got(format!("{other:?}"))
                .cause("end of stream is not a timeout")
                .fail(),
            }
        },
    );
}

#[test]
fn a_waiting_get_returns_disconnected_when_the_sender_goes_away() {
    let (sender, mut receiver) = new_queue(2);
    let getter = Task::spawn("process_queue::Receiver::get", move || receiver.get());
    drop(sender);
    match getter.join() {
        Err(QueueError::Disconnected) => {}
        other => Report::sent("get() on another thread, then the sender dropped")
            .expected("Err(QueueError::Disconnected)")
            .got(format!("{other:?}"))
            .cause("the blocked read returns 0 when the last sender closes: that is Disconnected")
            .fail(),
    }
}

#[rstest]
#[case::with_room_in_the_queue(false)]
#[case::when_the_queue_is_full(true)]
fn put_fails_with_receiver_gone_once_the_receiver_is_dropped(#[case] full: bool) {
    watchdog(
        LIMIT,
        "putting into a queue whose receiver is dropped",
        move || {
            let (mut sender, receiver) = new_queue(1);
            if full {
                put(&mut sender, b"fills the only slot");
            }
            drop(receiver);
            let state = if full {
                "a full queue"
            } else {
                "an empty queue"
            };
            match sender.put(b"nobody will get this") {
                Err(QueueError::ReceiverGone) => {}
                other => Report::sent(format!("put() into {state} whose receiver was dropped"))
                    .expected("Err(QueueError::ReceiverGone)")
                    .got(format!("{other:?}"))
                    .cause(if full {
                        "no credit will ever come: take_token returns Ok(false) at end of stream"
                    } else {
                        "writing to a socket whose other end is closed fails with BrokenPipe"
                    })
                    .fail(),
            }
        },
    );
}

// --- across processes (probes) ---------------------------------------------

/// The `got …` lines of a probe, as text.
fn got_lines(run: &netkit_tests::harness::ProbeRun) -> Vec<String> {
    run.values("got").iter().map(|s| s.to_string()).collect()
}

fn numbered(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("message {i}")).collect()
}

#[test]
fn a_child_process_puts_and_the_parent_gets_in_order() {
    let run = probe("process_queue::child_puts", &["50"]);
    let got = got_lines(&run);
    if got != numbered(50) || run.value("end") != "disconnected" {
        Report::sent(
            "a forked child puts `message 0` … `message 49` into a queue of capacity 4, then exits",
        )
        .expected("the parent gets the 50 in order, then Err(Disconnected)")
        .got(format!(
            "{got:?}, then `end {}`; stderr: {}",
            run.value("end"),
            run.stderr
        ))
        .cause("the queue is made before fork; each side drops the half it does not use")
        .fail();
    }
    expect_children_ended(
        &run,
        "a forked child puts 50 messages, then exits",
        &["exited 0"],
    );
}

/// Fails unless the probe's children ended as `expected` (`exited 0`,
/// `killed SIGKILL`), in order, and left no zombie.
#[track_caller]
fn expect_children_ended(run: &netkit_tests::harness::ProbeRun, sent: &str, expected: &[&str]) {
    let ended = run.values("child");
    if ended != expected || run.value("zombies") != "0" {
        Report::sent(sent)
            .expected(format!(
                "the children to end as {expected:?}, and no zombie"
            ))
            .got(format!(
                "{ended:?}, {} zombies; stderr: {}",
                run.value("zombies"),
                run.stderr
            ))
            .cause("a child's put failed: its stderr says why")
            .fail();
    }
}

#[test]
fn a_child_that_dies_mid_way_means_disconnected_not_a_hang() {
    let run = probe("process_queue::child_dies_after", &["6"]);
    let got = got_lines(&run);
    if got != numbered(6) || run.value("end") != "disconnected" {
        Report::sent("a forked child puts 6 messages, then is killed by SIGKILL")
            .expected("the parent gets the 6, then Err(Disconnected)")
            .got(format!(
                "{got:?}, then `end {}` (`timeout`: nothing within {DRAIN_WAIT:?}); stderr: {}",
                run.value("end"),
                run.stderr
            ))
            .cause("when the last sender's process dies, the kernel closes its sockets: the read returns 0")
            .fail();
    }
    expect_children_ended(
        &run,
        "a forked child puts 6 messages, then is killed by SIGKILL",
        &["killed SIGKILL"],
    );
}

#[test]
fn binary_and_large_messages_cross_the_fork_unchanged() {
    let run = probe("process_queue::binary_messages", &[]);
    let expected: Vec<String> = binary_payloads()
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{i} {} ok", p.len()))
        .collect();
    let got: Vec<&str> = run.values("message");
    if got != expected || run.value("end") != "disconnected" {
        Report::sent(
            "a forked child puts: empty, b\"\\0\", a fake length prefix, b\"##\", all 256 byte \
             values, 300 000 bytes, MAX_MESSAGE bytes, a short one",
        )
        .expected(format!("each one got back whole (`INDEX LEN ok`): {expected:?}, then disconnected"))
        .got(format!("{got:?}, then `end {}`; stderr: {}", run.value("end"), run.stderr))
        .cause("a message longer than the socket buffer arrives over many reads: read_exact the whole length")
        .fail();
    }
}

#[test]
fn writers_in_several_processes_never_mix_their_messages() {
    let run = probe("process_queue::many_writers", &["4", "20", "100000"]);
    let summary = format!(
        "received {}, intact {}, broken {}, out of order {}, then `end {}`",
        run.value("received"),
        run.value("intact"),
        run.value("broken"),
        run.value("out_of_order"),
        run.value("end"),
    );
    if run.value("intact") != "80"
        || run.value("out_of_order") != "0"
        || run.value("end") != "disconnected"
    {
        Report::sent(
            "4 forked children each put 20 messages of 100 000 bytes at once into one queue",
        )
        .expected("80 messages, each whole, each child's in its order, then disconnected")
        .got(format!("{summary}; stderr: {}", run.stderr))
        .cause(
            "a frame bigger than the socket buffer is written in pieces, and another process \
                 can write between them: hold the pen (take_token) for the whole write_all",
        )
        .fail();
    }
    expect_children_ended(
        &run,
        "4 forked children each put 20 messages of 100 000 bytes at once into one queue",
        &["exited 0"; 4],
    );
}
