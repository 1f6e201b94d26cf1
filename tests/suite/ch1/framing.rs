//! Tests of the exercise `framing`: length-prefixed frames over a byte stream.
//!
//! The frames the tests expect are built here by [`frame`], independently of
//! the code under test; every decoding test feeds bytes in awkward pieces,
//! because that is what TCP does.

use netkit_tests::harness::{Report, TIMEOUT, Trickle, hex, loopback_listener, show, watchdog};
use netkit_tests::kit::ch1::framing::{self, Decoder, FrameError, MAX_FRAME};
use rstest::rstest;
use std::io::{Cursor, Write};
use std::net::{Shutdown, TcpStream};

/// The seed's records (name, age, height), Chinese names and all.
const RECORDS: [&str; 3] = ["张三  18   177", "李四  19   180", "王五  120  183"];

/// What the receiver's file must hold for [`RECORDS`].
const RECORD_LINES: &str = "张三  18   177\n李四  19   180\n王五  120  183\n";

/// Messages of every awkward kind: empty, binary with `##` and NUL, text.
fn messages() -> Vec<Vec<u8>> {
    vec![
        b"hello".to_vec(),
        Vec::new(),
        "张三  18   177".as_bytes().to_vec(),
        b"\x00\xff##\n\x00".to_vec(),
        vec![b'x'; 300],
    ]
}

/// The test's own encoder: 4-byte big-endian length, then the bytes.
fn frame(message: &[u8]) -> Vec<u8> {
    let mut bytes = (message.len() as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(message);
    bytes
}

/// Every message framed, one after the other.
fn stream_of(messages: &[Vec<u8>]) -> Vec<u8> {
    messages.iter().flat_map(|m| frame(m)).collect()
}

/// Pushes everything the decoder returns after one push into `out`.
fn drain(decoder: &mut Decoder, pushed: &str, out: &mut Vec<Vec<u8>>) {
    loop {
        match decoder.next_frame() {
            Ok(Some(message)) => out.push(message),
            Ok(None) => return,
            Err(e) => Report::sent(pushed)
                .expected("whole messages, or Ok(None) while a frame is incomplete")
                .got(format!("Err({e:?})"))
                .cause("the length prefix was read from the wrong place: is a used frame removed from the buffer?")
                .fail(),
        }
    }
}

/// Shows a list of messages for a failure message.
fn show_all(messages: &[Vec<u8>]) -> String {
    let shown: Vec<String> = messages.iter().map(|m| show(m)).collect();
    format!("[{}]", shown.join(", "))
}

// ---------------------------------------------------------------- encode

#[rstest]
#[case::empty(b"", &[0, 0, 0, 0])]
#[case::short(b"hi", &[0, 0, 0, 2, b'h', b'i'])]
#[case::binary(b"\x00#", &[0, 0, 0, 2, 0, b'#'])]
fn encode_puts_a_big_endian_length_before_the_message(
    #[case] message: &[u8],
    #[case] expected: &[u8],
) {
    let got = framing::encode(message);
    match got {
        Ok(bytes) if bytes == expected => {}
        other => Report::sent(format!("encode({})", show(message)))
            .expected(format!("Ok({})", show(expected)))
            .got(format!("{other:?}"))
            .cause("the prefix is the length as a u32 in big-endian order (to_be_bytes), then the message")
            .fail(),
    }
}

#[test]
fn encode_writes_a_length_over_255_across_the_prefix_bytes() {
    let bytes = framing::encode(&[7u8; 300]).expect("300 bytes is under the limit");
    let expected = [0, 0, 1, 44];
    if bytes.get(..4) != Some(&expected[..]) || bytes.len() != 304 {
        Report::sent("encode of a 300-byte message")
            .expected(format!(
                "304 bytes, starting with the prefix {} (300 = 0x0000012C)",
                hex(&expected)
            ))
            .got(format!(
                "{} bytes, starting with {}",
                bytes.len(),
                hex(&bytes[..bytes.len().min(4)])
            ))
            .cause(
                "the length is a u32 in big-endian order, most significant byte first \
                 (u32::to_be_bytes); to_le_bytes would give 2c010000",
            )
            .fail();
    }
}

#[test]
fn encode_accepts_a_message_of_exactly_max_frame_bytes() {
    let message = vec![1u8; MAX_FRAME];
    let bytes = framing::encode(&message).expect("a message of exactly MAX_FRAME bytes is allowed");
    let prefix = (MAX_FRAME as u32).to_be_bytes();
    if bytes.len() != MAX_FRAME + 4 || bytes[..4] != prefix {
        Report::sent(format!(
            "encode of a message of exactly MAX_FRAME = {MAX_FRAME} bytes"
        ))
        .expected(format!(
            "{} bytes, starting with {}",
            MAX_FRAME + 4,
            hex(&prefix)
        ))
        .got(format!(
            "{} bytes, starting with {}",
            bytes.len(),
            hex(&bytes[..bytes.len().min(4)])
        ))
        .cause("MAX_FRAME itself is allowed: refuse only a message longer than it")
        .fail();
    }
}

#[test]
fn encode_refuses_a_message_over_max_frame() {
    let got = framing::encode(&vec![0u8; MAX_FRAME + 1]);
    assert!(
        matches!(got, Err(FrameError::TooLong { len, max }) if len == MAX_FRAME + 1 && max == MAX_FRAME),
        "encode of {} bytes: expected Err(TooLong {{ len: {}, max: {MAX_FRAME} }}), got {:?}",
        MAX_FRAME + 1,
        MAX_FRAME + 1,
        got.map(|b| b.len())
    );
}

// ---------------------------------------------------------------- Decoder

/// The whole stream, cut into pieces of `piece` bytes: 1 is byte by byte,
/// 2 and 3 split a length prefix, 5 splits prefix and message, and a huge
/// piece pushes several frames at once.
#[rstest]
#[case::byte_by_byte(1)]
#[case::prefix_split_in_half(2)]
#[case::prefix_split_3_1(3)]
#[case::prefix_and_one_byte(5)]
#[case::seven_at_a_time(7)]
#[case::all_frames_in_one_push(usize::MAX)]
fn decoder_returns_every_message_whatever_the_pieces(#[case] piece: usize) {
    let messages = messages();
    let bytes = stream_of(&messages);
    let mut decoder = Decoder::new(MAX_FRAME);
    let mut got = Vec::new();
    for chunk in bytes.chunks(piece.min(bytes.len())) {
        decoder.push(chunk);
        drain(
            &mut decoder,
            &format!("{} bytes in pieces of {piece}", bytes.len()),
            &mut got,
        );
    }
    if got != messages {
        Report::sent(format!("the frames of {} in pieces of {piece} bytes", show_all(&messages)))
            .expected(show_all(&messages))
            .got(show_all(&got))
            .cause("a frame is ready only when its 4 prefix bytes AND all its message bytes are buffered; keep the rest for later")
            .fail();
    }
    if decoder.buffered() != 0 {
        Report::sent(format!(
            "the frames of {} in pieces of {piece} bytes",
            show_all(&messages)
        ))
        .expected("0 bytes buffered after the last frame")
        .got(format!("{} bytes still buffered", decoder.buffered()))
        .cause("remove each frame's 4 + len bytes from the buffer once it is returned")
        .fail();
    }
}

#[test]
fn decoder_waits_until_a_frame_is_complete() {
    let mut decoder = Decoder::new(MAX_FRAME);
    let steps: [(&[u8], Option<&[u8]>); 4] = [
        (b"\x00\x00", None),      // half a prefix
        (b"\x00\x05he", None),    // the prefix, and 2 of 5 bytes
        (b"llo", Some(b"hello")), // the rest
        (b"\x00\x00\x00", None),  // 3 bytes of the next prefix
    ];
    let mut pushed = Vec::new();
    for (bytes, expected) in steps {
        decoder.push(bytes);
        pushed.extend_from_slice(bytes);
        let got = decoder.next_frame();
        let ok = match (&got, expected) {
            (Ok(Some(message)), Some(e)) => message == e,
            (Ok(None), None) => true,
            _ => false,
        };
        if !ok {
            Report::sent(format!("pushed {} so far", show(&pushed)))
                .expected(format!("{:?}", expected.map(show)))
                .got(format!("{got:?}"))
                .cause("return Ok(None) until the prefix and the whole message are buffered")
                .fail();
        }
    }
}

#[test]
fn decoder_keeps_the_start_of_the_next_frame() {
    let mut decoder = Decoder::new(MAX_FRAME);
    let mut bytes = frame(b"first");
    let second = frame(b"second");
    bytes.extend_from_slice(&second[..6]);
    decoder.push(&bytes);
    let first = decoder.next_frame();
    let then = decoder.next_frame();
    let buffered = decoder.buffered();
    if !matches!(&first, Ok(Some(m)) if m == b"first") || !matches!(then, Ok(None)) || buffered != 6
    {
        Report::sent(format!(
            "pushed {}: a whole frame, then the first 6 bytes of the next",
            show(&bytes)
        ))
        .expected("Ok(Some(b\"first\")), then Ok(None), with the 6 bytes of the next frame buffered")
        .got(format!(
            "{:?}, then {:?}, with {buffered} bytes buffered",
            first.map(|m| m.map(|m| show(&m))),
            then.map(|m| m.map(|m| show(&m)))
        ))
        .cause("remove only the frame returned (Vec::drain(..4 + len)): the bytes after it are the start of the next one")
        .fail();
    }
    decoder.push(&second[6..]);
    let second_frame = decoder.next_frame();
    if !matches!(&second_frame, Ok(Some(m)) if m == b"second") {
        Report::sent(format!(
            "then the rest of the second frame, {}",
            show(&second[6..])
        ))
        .expected("Ok(Some(b\"second\"))")
        .got(format!("{:?}", second_frame.map(|m| m.map(|m| show(&m)))))
        .cause("the second frame's first 6 bytes must have stayed in the buffer")
        .fail();
    }
}

#[test]
fn decoder_returns_a_zero_length_frame() {
    let mut decoder = Decoder::new(MAX_FRAME);
    decoder.push(&[0, 0, 0, 0]);
    let got = decoder.next_frame();
    assert!(
        matches!(got, Ok(Some(ref m)) if m.is_empty()),
        "pushed [0, 0, 0, 0]: expected Ok(Some([])) (an empty message is a message), got {got:?}"
    );
}

#[test]
fn decoder_accepts_a_frame_of_exactly_its_limit() {
    let mut decoder = Decoder::new(8);
    decoder.push(&frame(b"12345678"));
    let got = decoder.next_frame();
    assert!(
        matches!(got, Ok(Some(ref m)) if m == b"12345678"),
        "Decoder::new(8) given an 8-byte message: expected Ok(Some(b\"12345678\")), got {got:?}"
    );
}

/// Only the 4 prefix bytes are pushed: a decoder that waits for the message
/// (or makes room for it) before checking the length fails here.
#[rstest]
#[case::one_over_a_small_limit(8, 9)]
#[case::four_gib_announced(MAX_FRAME, 0xFFFF_FFFF)]
#[case::one_over_max_frame(MAX_FRAME, MAX_FRAME as u32 + 1)]
fn decoder_rejects_a_length_over_its_limit_from_the_prefix_alone(
    #[case] limit: usize,
    #[case] announced: u32,
) {
    let mut decoder = Decoder::new(limit);
    let prefix = announced.to_be_bytes();
    decoder.push(&prefix);
    let got = decoder.next_frame();
    if !matches!(got, Err(FrameError::TooLong { len, max }) if len == announced as usize && max == limit)
    {
        Report::sent(format!("Decoder::new({limit}), then only the prefix {}", show(&prefix)))
            .expected(format!("Err(TooLong {{ len: {announced}, max: {limit} }}) at once"))
            .got(format!("{got:?}"))
            .cause("check the announced length as soon as the 4 prefix bytes are there, before waiting for the message: a peer must not make us hold 4 GiB")
            .fail();
    }
}

// ---------------------------------------------------------------- read_frame

#[test]
fn read_frame_reads_every_message_from_a_reader_giving_one_byte_at_a_time() {
    let messages = messages();
    let mut reader = Trickle::bytewise(Cursor::new(stream_of(&messages)));
    let mut got = Vec::new();
    loop {
        match framing::read_frame(&mut reader, MAX_FRAME) {
            Ok(Some(message)) => got.push(message),
            Ok(None) => break,
            Err(e) => Report::sent(format!("the frames of {}, one byte per read", show_all(&messages)))
                .expected(show_all(&messages))
                .got(format!("{} and then Err({e:?})", show_all(&got)))
                .cause("a read may return fewer bytes than asked: loop until the prefix (then the message) is complete")
                .fail(),
        }
        if got.len() > messages.len() {
            Report::sent(format!(
                "the frames of {}, one byte per read",
                show_all(&messages)
            ))
            .expected(format!("{} messages, then Ok(None)", messages.len()))
            .got(format!("more: {}", show_all(&got)))
            .cause("at end of file, read_frame returns Ok(None)")
            .fail();
        }
    }
    if got != messages {
        Report::sent(format!("the frames of {}, one byte per read", show_all(&messages)))
            .expected(format!("{}, then Ok(None)", show_all(&messages)))
            .got(format!("{}, then Ok(None)", show_all(&got)))
            .cause("a read may return fewer bytes than asked: loop until the prefix (then the message) is complete")
            .fail();
    }
}

#[test]
fn read_frame_leaves_the_next_frame_in_the_reader() {
    let mut bytes = frame(b"one");
    bytes.extend_from_slice(&frame(b"two"));
    let mut reader = Cursor::new(bytes);
    let first = framing::read_frame(&mut reader, MAX_FRAME);
    let position = reader.position();
    let second = framing::read_frame(&mut reader, MAX_FRAME);
    let is = |got: &Result<Option<Vec<u8>>, FrameError>, want: &[u8]| matches!(got, Ok(Some(m)) if m == want);
    if !is(&first, b"one") || position != 7 || !is(&second, b"two") {
        Report::sent(format!("two frames, {}, from one reader", show(reader.get_ref())))
            .expected("Ok(Some(b\"one\")) after reading exactly 7 bytes (4 + 3), then Ok(Some(b\"two\"))")
            .got(format!(
                "{:?} after reading {position} bytes, then {:?}",
                first.map(|m| m.map(|m| show(&m))),
                second.map(|m| m.map(|m| show(&m)))
            ))
            .cause("read exactly the prefix, then exactly its length (Read::take): never more, or the next frame loses its start")
            .fail();
    }
}

#[rstest]
#[case::empty(&[])]
#[case::zero_length(&[0, 0, 0, 0])]
#[case::exactly_the_limit(&[0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8])]
fn read_frame_reads_one_valid_frame_then_none(#[case] message_frame: &[u8]) {
    let mut reader = Trickle::bytewise(Cursor::new(message_frame.to_vec()));
    let first = framing::read_frame(&mut reader, 8);
    let expected = if message_frame.is_empty() {
        None
    } else {
        Some(message_frame[4..].to_vec())
    };
    match first {
        Ok(ref got) if *got == expected => {}
        _ => Report::sent(format!("read_frame(reader of {}, max 8)", show(message_frame)))
            .expected(format!("Ok({:?})", expected.as_deref().map(show)))
            .got(format!("{first:?}"))
            .cause("an empty stream is a clean end (Ok(None)); a zero-length message and a message of exactly max bytes are valid")
            .fail(),
    }
    let after = framing::read_frame(&mut reader, 8);
    assert!(
        matches!(after, Ok(None)),
        "reading again at the end of {}: expected Ok(None), a clean end between frames; got {after:?}",
        show(message_frame)
    );
}

#[rstest]
#[case::inside_the_prefix(&[0, 0])]
#[case::after_the_prefix(&[0, 0, 0, 5])]
#[case::inside_the_message(&[0, 0, 0, 5, b'h', b'e'])]
fn read_frame_reports_a_stream_that_ends_inside_a_frame(#[case] bytes: &[u8]) {
    let mut reader = Trickle::bytewise(Cursor::new(bytes.to_vec()));
    let got = framing::read_frame(&mut reader, MAX_FRAME);
    if !matches!(got, Err(FrameError::UnexpectedEof { .. })) {
        Report::sent(format!("a stream of just {}", show(bytes)))
            .expected("Err(UnexpectedEof { .. }): the stream ended inside a frame")
            .got(format!("{got:?}"))
            .cause("only an end before the first byte of a frame is a clean end (Ok(None)); count what the loop has read")
            .fail();
    }
}

#[rstest]
#[case::four_gib_with_only_the_prefix(MAX_FRAME, 0xFFFF_FFFF)]
#[case::one_over_a_small_limit(10, 11)]
fn read_frame_rejects_a_length_over_max_without_reading_the_message(
    #[case] max: usize,
    #[case] announced: u32,
) {
    // The message's bytes are there, so a reader that reads first and checks
    // after gets them (or waits for them) instead of refusing.
    let mut bytes = announced.to_be_bytes().to_vec();
    bytes.extend_from_slice(&[b'x'; 11]);
    let mut reader = Cursor::new(bytes);
    let got = framing::read_frame(&mut reader, max);
    if !matches!(got, Err(FrameError::TooLong { len, max: m }) if len == announced as usize && m == max)
    {
        Report::sent(format!(
            "a prefix announcing {announced} bytes, with max {max}"
        ))
        .expected(format!("Err(TooLong {{ len: {announced}, max: {max} }})"))
        .got(format!("{:?}", got.map(|m| m.map(|m| m.len()))))
        .cause("check the length right after the prefix, before reading or allocating the message")
        .fail();
    }
    if reader.position() != 4 {
        Report::sent(format!(
            "a prefix announcing {announced} bytes, with max {max}, then 11 bytes"
        ))
        .expected("the refusal after reading the 4 prefix bytes only")
        .got(format!("{} bytes read", reader.position()))
        .cause("refuse the length before reading any of the message")
        .fail();
    }
}

// ---------------------------------------------------------------- records

#[test]
fn send_records_sends_one_frame_per_record() {
    let mut out = Vec::new();
    framing::send_records(&mut out, &RECORDS).expect("the seed's records have no newline");
    let expected: Vec<u8> = RECORDS.iter().flat_map(|r| frame(r.as_bytes())).collect();
    if out != expected {
        Report::sent(format!("send_records({RECORDS:?})"))
            .expected(show(&expected))
            .got(show(&out))
            .cause("each record is one frame: 4-byte big-endian length of its UTF-8 bytes, then the bytes; no end marker")
            .fail();
    }
}

#[test]
fn send_records_writes_everything_through_a_writer_taking_three_bytes_at_a_time() {
    let mut writer = Trickle::new(Vec::new(), 3);
    framing::send_records(&mut writer, &RECORDS).expect("the seed's records have no newline");
    let expected: Vec<u8> = RECORDS.iter().flat_map(|r| frame(r.as_bytes())).collect();
    let out = writer.into_inner();
    assert!(
        out == expected,
        "through a writer whose write() takes at most 3 bytes, expected {} but got {}: \
         write() may write less than asked; use write_all",
        show(&expected),
        show(&out)
    );
}

#[rstest]
#[case::second_record(&["ok", "two\nlines", "fine"], 1)]
#[case::trailing_newline(&["a\n"], 0)]
fn send_records_refuses_a_record_with_a_newline_and_sends_nothing(
    #[case] records: &[&str],
    #[case] index: usize,
) {
    let mut out = Vec::new();
    let got = framing::send_records(&mut out, records);
    assert!(
        matches!(got, Err(FrameError::NewlineInRecord { index: i }) if i == index),
        "send_records({records:?}): expected Err(NewlineInRecord {{ index: {index} }}), got {got:?}"
    );
    assert!(
        out.is_empty(),
        "send_records({records:?}) refused the batch: expected nothing sent, got {}: check every record before sending any",
        show(&out)
    );
}

#[test]
fn receive_records_writes_one_line_per_record_read_one_byte_at_a_time() {
    let bytes: Vec<u8> = RECORDS.iter().flat_map(|r| frame(r.as_bytes())).collect();
    let mut reader = Trickle::bytewise(Cursor::new(bytes.clone()));
    let mut out = Vec::new();
    let got = framing::receive_records(&mut reader, &mut out);
    assert!(
        matches!(got, Ok(3)) && out == RECORD_LINES.as_bytes(),
        "receive_records of {} (one byte per read): expected Ok(3) and the file {RECORD_LINES:?}; \
         got {got:?} and {:?}",
        show(&bytes),
        String::from_utf8_lossy(&out)
    );
}

#[test]
fn receive_records_refuses_a_record_with_a_newline() {
    let mut bytes = frame(b"fine");
    bytes.extend_from_slice(&frame(b"two\nlines"));
    let mut out = Vec::new();
    let got = framing::receive_records(&mut Cursor::new(bytes.clone()), &mut out);
    assert!(
        matches!(got, Err(FrameError::NewlineInRecord { index: 1 })),
        "receive_records of {}: expected Err(NewlineInRecord {{ index: 1 }}) (the receiver trusts no sender), got {got:?}",
        show(&bytes)
    );
    if out != b"fine\n" {
        Report::sent(format!("receive_records of {}", show(&bytes)))
            .expected(format!(
                "the good record before the bad one written: {}",
                show(b"fine\n")
            ))
            .got(show(&out))
            .cause("write each record, then its newline, as it arrives")
            .fail();
    }
}

#[test]
fn receive_records_reports_a_stream_cut_inside_a_record() {
    let mut bytes = frame(RECORDS[0].as_bytes());
    bytes.extend_from_slice(&frame(RECORDS[1].as_bytes())[..7]);
    let got = framing::receive_records(&mut Cursor::new(bytes.clone()), &mut Vec::new());
    assert!(
        matches!(got, Err(FrameError::UnexpectedEof { .. })),
        "receive_records of {} (cut inside the second frame): expected Err(UnexpectedEof {{ .. }}), got {got:?}",
        show(&bytes)
    );
}

/// How the sending side writes the records onto the TCP connection.
#[derive(Debug, Clone, Copy)]
enum Sender {
    /// `kit::framing::send_records`, the code under test.
    SendRecords,
    /// All frames in a single write.
    OneWrite,
    /// One byte per write, on a socket with Nagle's algorithm off.
    ByteByByte,
    /// Each write ends in the middle of a length prefix.
    SplitPrefixes,
}

impl Sender {
    fn send(self, stream: &mut TcpStream) -> std::io::Result<()> {
        let bytes: Vec<u8> = RECORDS.iter().flat_map(|r| frame(r.as_bytes())).collect();
        match self {
            Sender::SendRecords => {
                if let Err(e) = framing::send_records(stream, &RECORDS) {
                    panic!("send_records({RECORDS:?}) over TCP failed: {e}");
                }
            }
            Sender::OneWrite => stream.write_all(&bytes)?,
            Sender::ByteByByte => {
                for byte in &bytes {
                    stream.write_all(std::slice::from_ref(byte))?;
                }
            }
            Sender::SplitPrefixes => {
                let first_len = frame(RECORDS[0].as_bytes()).len();
                stream.write_all(&bytes[..2])?;
                stream.write_all(&bytes[2..first_len + 3])?;
                stream.write_all(&bytes[first_len + 3..])?;
            }
        }
        // The end of the records: the receiver reads a clean end of stream.
        stream.shutdown(Shutdown::Write)
    }
}

#[rstest]
#[case::sent_by_send_records(Sender::SendRecords)]
#[case::in_one_write(Sender::OneWrite)]
#[case::byte_by_byte(Sender::ByteByByte)]
#[case::split_inside_prefixes(Sender::SplitPrefixes)]
fn records_arrive_as_exactly_three_lines_over_tcp(#[case] sender: Sender) {
    let listener = loopback_listener();
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let sending = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).expect("connecting to the test's own listener");
        stream.set_nodelay(true).expect("setting TCP_NODELAY");
        sender.send(&mut stream)
    });
    let (got, out) = watchdog(TIMEOUT * 2, "receiving records over TCP", move || {
        let (mut stream, _) = listener
            .accept()
            .expect("accepting the sender's connection");
        // A receiver that waits for something that never comes (an end
        // marker) gets a timeout error instead of hanging the test.
        stream
            .set_read_timeout(Some(TIMEOUT))
            .expect("setting a read timeout");
        let mut out = Vec::new();
        let got = framing::receive_records(&mut stream, &mut out);
        (got, out)
    });
    match sending.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("the test's sender failed: {e}"),
        Err(panic) => std::panic::resume_unwind(panic),
    }
    if !matches!(got, Ok(3)) || out != RECORD_LINES.as_bytes() {
        Report::sent(format!("the records {RECORDS:?} over TCP, written {sender:?}, then the write half closed"))
            .expected(format!("Ok(3) and the file {RECORD_LINES:?}"))
            .got(format!("{got:?} and the file {:?}", String::from_utf8_lossy(&out)))
            .cause("one read is not one message: TCP may split or merge writes any way it likes; read by the frames' lengths")
            .fail();
    }
}
