//! Tests of the exercise `ftp-protocol`: the file server's frames, names and
//! copies, with no socket at all (book: ch3/ftp-protocol.md). Readers hand
//! out one byte per `read` (`Trickle::bytewise`), as a socket may.

use netkit_tests::harness::{Report, Trickle, show};
use netkit_tests::kit::ch3::ftp_protocol::{
    self as kit, CHUNK, HEADER_LEN, MAX_FRAME, MAX_NAME, NameError, ProtocolError, Reply, Request,
    Status,
};
use rstest::rstest;
use std::io::{Cursor, ErrorKind};

fn get(name: &str) -> Request {
    Request::Get {
        name: name.to_string(),
    }
}

fn put(name: &str, size: u64) -> Request {
    Request::Put {
        name: name.to_string(),
        size,
    }
}

/// A frame by hand: the length prefix, then the payload.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut bytes = (payload.len() as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(payload);
    bytes
}

/// The bytes `write_request` writes for `request`.
fn encoded(request: &Request) -> Vec<u8> {
    let mut out = Vec::new();
    if let Err(e) = kit::write_request(&mut out, request) {
        Report::sent(format!("write_request(&mut Vec, {request:?})"))
            .expected("Ok(()): the name is a good one")
            .got(format!("Err({e})"))
            .fail();
    }
    out
}

/// Reads requests from `bytes`, one byte per read, until the first error or
/// the clean end (`None`), and returns what each call gave.
fn read_all(bytes: &[u8]) -> Vec<Result<Option<Request>, ProtocolError>> {
    let mut reader = Trickle::bytewise(Cursor::new(bytes.to_vec()));
    let mut results = Vec::new();
    loop {
        let result = kit::read_request(&mut reader);
        let last = !matches!(result, Ok(Some(_)) | Err(ProtocolError::Malformed(_)))
            && !matches!(result, Err(ProtocolError::BadName(_)));
        results.push(result);
        if last || results.len() > 10 {
            return results;
        }
    }
}

// --- names ------------------------------------------------------------------

#[rstest]
#[case::plain("notes.txt")]
#[case::chinese("照片.jpg")]
#[case::spaces_and_dashes("my file - v2.tar.gz")]
#[case::dots_inside("a..b")]
#[case::a_dot_at_the_end("draft.")]
#[case::one_letter("a")]
#[case::exactly_max_name_bytes(&"x".repeat(MAX_NAME))]
#[case::a_colon_later("10:30 meeting.txt")]
fn check_name_accepts_a_good_name(#[case] name: &str) {
    let got = kit::check_name(name);
    if got.is_err() {
        Report::sent(format!("check_name({name:?})"))
            .expected("Ok(()): this is one plain file name")
            .got(format!("{got:?}"))
            .cause(
                "refuse only what the doc comment lists: `..` inside a name is harmless, \
                 and MAX_NAME bytes is allowed (`>`, not `>=`)",
            )
            .fail();
    }
}

#[rstest]
#[case::empty("", NameError::Empty)]
#[case::one_byte_too_long(&"x".repeat(MAX_NAME + 1), NameError::TooLong { len: MAX_NAME + 1 })]
#[case::eighty_six_chinese_characters_are_258_bytes(&"照".repeat(86), NameError::TooLong { len: 258 })]
#[case::absolute("/etc/passwd", NameError::Absolute)]
#[case::absolute_windows_share("\\\\server\\share", NameError::Absolute)]
#[case::drive("C:\\Windows\\win.ini", NameError::Absolute)]
#[case::drive_relative("C:evil.txt", NameError::Absolute)]
#[case::climbs_out("../etc/passwd", NameError::Separator('/'))]
#[case::climbs_out_windows("..\\boot.ini", NameError::Separator('\\'))]
#[case::into_a_folder("sub/file.txt", NameError::Separator('/'))]
#[case::backslash_inside("sub\\file.txt", NameError::Separator('\\'))]
#[case::dot(".", NameError::Dots)]
#[case::dot_dot("..", NameError::Dots)]
#[case::hidden(".bashrc", NameError::Hidden)]
#[case::hidden_temporary_upload(".upload-1234", NameError::Hidden)]
#[case::nul("report.txt\0.jpg", NameError::Nul)]
#[case::newline("two\nlines", NameError::Control('\n'))]
#[case::tab("a\tb", NameError::Control('\t'))]
#[case::escape_sequence("\u{1b}[31mred", NameError::Control('\u{1b}'))]
#[case::delete("del\u{7f}", NameError::Control('\u{7f}'))]
#[case::next_line_of_unicode("a\u{85}b", NameError::Control('\u{85}'))]
fn check_name_refuses_a_hostile_name(#[case] name: &str, #[case] expected: NameError) {
    let got = kit::check_name(name);
    if got.as_ref().err() != Some(&expected) {
        Report::sent(format!("check_name({name:?})"))
            .expected(format!("Err({expected:?})"))
            .got(format!("{got:?}"))
            .cause(
                "check in the doc comment's order (empty, length in bytes, absolute, \
                 separators, `.`/`..`, hidden, NUL, control): a name that passes could \
                 reach outside the folder or hide from the listing",
            )
            .fail();
    }
}

// --- requests ---------------------------------------------------------------

#[rstest]
#[case::list(Request::List, frame(b"L"))]
#[case::quit(Request::Quit, frame(b"Q"))]
#[case::get(get("a.txt"), frame(b"Ga.txt"))]
#[case::put(put("a", 258), frame(b"P\0\0\0\0\0\0\x01\x02a"))]
#[case::get_chinese(get("照片"), frame("G照片".as_bytes()))]
fn write_request_writes_the_table_s_frame(#[case] request: Request, #[case] expected: Vec<u8>) {
    let got = encoded(&request);
    if got != expected {
        Report::sent(format!("write_request(&mut Vec, {request:?})"))
            .expected(show(&expected))
            .got(show(&got))
            .cause(
                "a frame is the payload's length (u32, big endian), then the payload: \
                 the code, for Put the size (u64, big endian), then the name's bytes",
            )
            .fail();
    }
}

#[rstest]
#[case::list(vec![Request::List])]
#[case::quit(vec![Request::Quit])]
#[case::get(vec![get("notes.txt")])]
#[case::put_empty(vec![put("empty", 0)])]
#[case::put_huge(vec![put("huge.iso", u64::MAX)])]
#[case::longest_name(vec![get(&"n".repeat(MAX_NAME))])]
#[case::a_session(vec![Request::List, put("a.bin", 10), get("a.bin"), Request::Quit])]
fn requests_read_back_as_written_one_byte_per_read(#[case] requests: Vec<Request>) {
    let bytes: Vec<u8> = requests.iter().flat_map(encoded).collect();
    let results = read_all(&bytes);
    let got: Vec<String> = results.iter().map(|r| format!("{r:?}")).collect();
    let mut expected: Vec<String> = requests
        .iter()
        .map(|r| format!("Ok(Some({r:?}))"))
        .collect();
    expected.push("Ok(None)".to_string());
    if got != expected {
        Report::sent(format!(
            "read_request, again and again, on {} delivered one byte per read",
            show(&bytes)
        ))
        .expected(format!(
            "{expected:?}: each request, then Ok(None) at the clean end"
        ))
        .got(format!("{got:?}"))
        .cause(
            "a read may return a single byte: read the prefix and the payload to their \
             end (read_exact), and return Ok(None) only when the stream ends before a \
             frame's first byte",
        )
        .fail();
    }
}

#[test]
fn write_request_refuses_a_bad_name_and_writes_nothing() {
    for request in [get("../etc/passwd"), put(".hidden", 3), get("")] {
        let mut out = Vec::new();
        let got = kit::write_request(&mut out, &request);
        if !matches!(&got, Err(e) if e.kind() == ErrorKind::InvalidInput) || !out.is_empty() {
            Report::sent(format!("write_request(&mut Vec, {request:?})"))
                .expected("Err(InvalidInput), nothing written: the client checks names too")
                .got(format!("{got:?}, wrote {}", show(&out)))
                .cause("call check_name before writing a Get or a Put")
                .fail();
        }
    }
}

#[rstest]
#[case::climbs_out(frame(b"G../secret"))]
#[case::dot_dot(frame(b"G.."))]
#[case::absolute_put(frame(b"P\0\0\0\0\0\0\0\x05/etc/passwd"))]
#[case::hidden_put(frame(b"P\0\0\0\0\0\0\0\x05.upload-x"))]
#[case::nul(frame(b"Ga\0b"))]
#[case::empty_name(frame(b"G"))]
fn read_request_refuses_a_hostile_name_after_decoding(#[case] bytes: Vec<u8>) {
    let mut input = bytes.clone();
    input.extend(frame(b"L"));
    let results = read_all(&input);
    let ok = matches!(results.first(), Some(Err(e @ ProtocolError::BadName(_))) if e.in_sync() && e.status() == Status::BadName)
        && matches!(results.get(1), Some(Ok(Some(Request::List))));
    if !ok {
        Report::sent(format!(
            "read_request twice on {} (a hostile name, then a List)",
            show(&input)
        ))
        .expected("Err(BadName(…)) (in sync, status BadName), then Ok(Some(List))")
        .got(format!("{results:?}"))
        .cause(
            "check the decoded name with check_name inside read_request: a Request \
                 must never hold a name that could leave the folder, and the whole frame \
                 is read, so the stream stays in sync",
        )
        .fail();
    }
}

#[rstest]
#[case::empty_frame(frame(b""))]
#[case::unknown_code(frame(b"X"))]
#[case::lowercase_code(frame(b"l"))]
#[case::bytes_after_list(frame(b"Lmore"))]
#[case::put_without_its_size(frame(b"P\0\0\x01"))]
#[case::name_not_utf8(frame(b"G\xff\xfe.txt"))]
#[case::the_seed_s_exit(frame(b"EXIT"))]
#[case::the_seed_s_list(frame(b"LIST"))]
fn read_request_refuses_a_malformed_frame_and_stays_in_sync(#[case] bytes: Vec<u8>) {
    let mut input = bytes.clone();
    input.extend(frame(b"Gnext.txt"));
    let results = read_all(&input);
    let ok = matches!(results.first(), Some(Err(e @ ProtocolError::Malformed(_))) if e.in_sync() && e.status() == Status::BadRequest)
        && matches!(results.get(1), Some(Ok(Some(Request::Get { name }))) if name == "next.txt");
    if !ok {
        Report::sent(format!("read_request twice on {}", show(&input)))
            .expected("Err(Malformed(…)) (in sync, status BadRequest), then Ok(Some(Get { name: \"next.txt\" }))")
            .got(format!("{results:?}"))
            .cause(
                "read the whole frame first, then decode it: a frame that is no request \
                 is refused, and the next frame is read from its first byte",
            )
            .fail();
    }
}

#[rstest]
#[case::one_byte_over(MAX_FRAME as u32 + 1)]
#[case::four_gib(u32::MAX)]
fn read_request_refuses_a_frame_over_the_limit_before_reading_it(#[case] announced: u32) {
    let mut input = announced.to_be_bytes().to_vec();
    input.extend_from_slice(b"Gx");
    let mut reader = Cursor::new(input.clone());
    let got = kit::read_request(&mut reader);
    let ok = matches!(&got, Err(e @ ProtocolError::TooLong { len }) if *len == announced as u64 && !e.in_sync() && e.status() == Status::TooLong);
    if !ok || reader.position() != 4 {
        Report::sent(format!("read_request on {}", show(&input)))
            .expected(format!(
                "Err(TooLong {{ len: {announced} }}), not in sync, status TooLong, after \
                 reading the 4 bytes of the prefix only"
            ))
            .got(format!(
                "{got:?}, after reading {} bytes",
                reader.position()
            ))
            .cause("compare the length with MAX_FRAME before allocating or reading the payload")
            .fail();
    }
}

#[test]
fn read_request_takes_a_frame_of_exactly_max_frame() {
    // A Get of MAX_FRAME bytes: a whole frame, whose name is too long.
    let name = "n".repeat(MAX_FRAME - 1);
    let input = frame(format!("G{name}").as_bytes());
    let got = read_all(&input);
    let ok = matches!(got.first(), Some(Err(ProtocolError::BadName(NameError::TooLong { len }))) if *len == MAX_FRAME - 1)
        && matches!(got.get(1), Some(Ok(None)));
    if !ok {
        Report::sent(format!("read_request on a frame of exactly MAX_FRAME ({MAX_FRAME}) bytes: G and a name of {} bytes", MAX_FRAME - 1))
            .expected("Err(BadName(TooLong { len: 1023 })), then Ok(None): the frame itself is allowed")
            .got(format!("{got:?}"))
            .cause("a frame may carry MAX_FRAME bytes: refuse `len > MAX_FRAME`, not `>=`")
            .fail();
    }
}

#[rstest]
#[case::end_in_the_prefix(vec![0, 0])]
#[case::end_after_the_prefix(vec![0, 0, 0, 5])]
#[case::end_in_the_payload(b"\0\0\0\x06Ga.t".to_vec())]
fn read_request_says_unexpected_eof_when_the_stream_ends_inside_a_frame(#[case] input: Vec<u8>) {
    let got = read_all(&input);
    let ok = matches!(got.as_slice(), [Err(ProtocolError::Io(e))] if e.kind() == ErrorKind::UnexpectedEof);
    if !ok {
        Report::sent(format!(
            "read_request on {} (a frame cut short), one byte per read",
            show(&input)
        ))
        .expected("Err(Io(UnexpectedEof)): a client that stops mid-frame is no clean end")
        .got(format!("{got:?}"))
        .cause(
            "only an end before the first byte of a frame is Ok(None); use read_exact \
                 for the rest of the prefix and for the payload",
        )
        .fail();
    }
}

// --- replies ----------------------------------------------------------------

#[test]
fn status_codes_are_the_table_s() {
    let table = [
        (0, Status::Ok),
        (1, Status::Ready),
        (2, Status::NotFound),
        (3, Status::BadName),
        (4, Status::Exists),
        (5, Status::BadRequest),
        (6, Status::TooLong),
        (7, Status::ServerError),
        (8, Status::Busy),
    ];
    for (code, status) in table {
        if Status::from_code(code) != Some(status) || status as u8 != code {
            Report::sent(format!("Status::from_code({code}) and {status:?} as u8"))
                .expected(format!("Some({status:?}) and {code}"))
                .got(format!(
                    "{:?} and {}",
                    Status::from_code(code),
                    status as u8
                ))
                .fail();
        }
    }
    for code in [9, 0x4f, 255] {
        if Status::from_code(code).is_some() {
            Report::sent(format!("Status::from_code({code})"))
                .expected("None: no status has that byte")
                .got(format!("{:?}", Status::from_code(code)))
                .fail();
        }
    }
}

#[test]
fn write_reply_writes_the_table_s_frame() {
    let reply = Reply {
        status: Status::Ok,
        size: 5,
        message: "hi".to_string(),
    };
    let mut out = Vec::new();
    let result = kit::write_reply(&mut out, &reply);
    let expected = frame(b"\0\0\0\0\0\0\0\0\x05hi");
    if result.is_err() || out != expected {
        Report::sent(format!("write_reply(&mut Vec, {reply:?})"))
            .expected(show(&expected))
            .got(format!("{result:?}, {}", show(&out)))
            .cause("a reply's payload is the status byte, the size (u64, big endian), then the message")
            .fail();
    }
}

#[rstest]
#[case::ok(Status::Ok, 50 << 20, "")]
#[case::ready(Status::Ready, 7, "send 7 bytes")]
#[case::not_found(Status::NotFound, 0, "no file named a.txt")]
#[case::exists(Status::Exists, 0, "a.txt exists already")]
#[case::chinese(Status::BadName, 0, "文件名不能为空")]
#[case::longest_message(Status::ServerError, 0, &"m".repeat(MAX_FRAME - HEADER_LEN))]
fn replies_read_back_as_written_one_byte_per_read(
    #[case] status: Status,
    #[case] size: u64,
    #[case] message: &str,
) {
    let reply = Reply {
        status,
        size,
        message: message.to_string(),
    };
    let mut out = Vec::new();
    let written = kit::write_reply(&mut out, &reply);
    let mut reader = Trickle::bytewise(Cursor::new(out.clone()));
    let got = kit::read_reply(&mut reader);
    let rest = out.len() as u64 - reader.into_inner().position();
    if written.is_err() || !matches!(&got, Ok(r) if *r == reply) || rest != 0 {
        Report::sent(format!(
            "write_reply of {reply:?}, then read_reply one byte per read"
        ))
        .expected("the same reply, with every byte of the frame read")
        .got(format!(
            "{written:?}, then {got:?}, {rest} bytes left unread"
        ))
        .cause(
            "a frame may carry exactly MAX_FRAME bytes; read the payload to its end \
                 (read_exact), not with one read",
        )
        .fail();
    }
}

#[test]
fn write_reply_cuts_a_long_message_at_a_character() {
    let reply = Reply {
        status: Status::ServerError,
        size: 0,
        message: "错".repeat(MAX_FRAME),
    };
    let mut out = Vec::new();
    let written = kit::write_reply(&mut out, &reply);
    let got = kit::read_reply(&mut Cursor::new(out.clone()));
    let ok = written.is_ok()
        && out.len() <= 4 + MAX_FRAME
        && matches!(&got, Ok(r) if r.status == Status::ServerError
            && r.message.chars().all(|c| c == '错')
            && r.message.len() > MAX_FRAME - HEADER_LEN - 3);
    if !ok {
        Report::sent(format!(
            "write_reply of a message of {} bytes (错 × {MAX_FRAME})",
            3 * MAX_FRAME
        ))
        .expected(format!(
            "a frame of at most {MAX_FRAME} bytes whose message is as many whole 错 as fit"
        ))
        .got(format!(
            "{written:?}, a frame of {} bytes, read back as {got:?}",
            out.len().saturating_sub(4)
        ))
        .cause("cut the message to MAX_FRAME - HEADER_LEN bytes, backing off to a char boundary")
        .fail();
    }
}

#[rstest]
#[case::nothing(Vec::new(), "Io(UnexpectedEof)")]
#[case::cut(b"\0\0\0\x09\0\0\0".to_vec(), "Io(UnexpectedEof)")]
#[case::too_short(frame(b"\0\0\0"), "Malformed")]
#[case::unknown_status(frame(b"\x0a\0\0\0\0\0\0\0\0"), "Malformed")]
#[case::over_the_limit(vec![0xff, 0xff, 0xff, 0xff], "TooLong")]
fn read_reply_refuses_what_is_no_reply(#[case] input: Vec<u8>, #[case] expected: &str) {
    let got = kit::read_reply(&mut Trickle::bytewise(Cursor::new(input.clone())));
    let ok = match (&got, expected) {
        (Err(ProtocolError::Io(e)), "Io(UnexpectedEof)") => e.kind() == ErrorKind::UnexpectedEof,
        (Err(ProtocolError::Malformed(_)), "Malformed") => true,
        (Err(ProtocolError::TooLong { .. }), "TooLong") => true,
        _ => false,
    };
    if !ok {
        Report::sent(format!("read_reply on {}", show(&input)))
            .expected(format!("Err({expected})"))
            .got(format!("{got:?}"))
            .cause(
                "a client that asked is owed a reply: the end of the stream is \
                 UnexpectedEof; a payload under HEADER_LEN bytes or an unknown status is \
                 Malformed",
            )
            .fail();
    }
}

// --- copies -----------------------------------------------------------------

#[test]
fn copy_exact_copies_exactly_size_bytes_in_chunks_and_leaves_the_rest() {
    let size = 3 * CHUNK + 12_345;
    let content = netkit_tests::harness::XorShift::seeded(11).bytes(size);
    let mut input = content.clone();
    input.extend(frame(b"L"));
    let mut reader = Trickle::new(Cursor::new(input), 1000);
    let mut out = Vec::new();
    let result = kit::copy_exact(&mut reader, &mut out, size as u64);
    let next = kit::read_request(&mut reader);
    let largest = reader.largest_ask();
    if result.is_err()
        || out != content
        || !matches!(next, Ok(Some(Request::List)))
        || largest > CHUNK
    {
        Report::sent(format!(
            "copy_exact of {size} bytes from a reader of {size} bytes then a List frame, 1000 bytes per read"
        ))
        .expected(format!(
            "Ok(()), the {size} bytes copied, the List frame left to read, no read asking more than CHUNK ({CHUNK})"
        ))
        .got(format!(
            "{result:?}, {} bytes copied ({}), then {next:?}; the largest read asked {largest}",
            out.len(),
            if out == content { "the same" } else { "not the same" }
        ))
        .cause(
            "loop until `size` bytes are copied, asking each read for at most \
             min(CHUNK, what is left): a read may return less than asked, and the \
             bytes after the file are the next frame",
        )
        .fail();
    }
}

#[rstest]
#[case::empty_source(0)]
#[case::half_a_file(5_000)]
fn copy_exact_says_unexpected_eof_when_the_source_ends_early(#[case] available: usize) {
    let size = 10_000u64;
    let mut reader = Trickle::new(Cursor::new(vec![7u8; available]), 777);
    let mut out = Vec::new();
    let got = kit::copy_exact(&mut reader, &mut out, size);
    if !matches!(&got, Err(e) if e.kind() == ErrorKind::UnexpectedEof) {
        Report::sent(format!(
            "copy_exact of {size} bytes from a reader that ends after {available}"
        ))
        .expected("Err(UnexpectedEof): a file cut short must never pass for a whole one")
        .got(format!("{got:?} after copying {} bytes", out.len()))
        .cause("a read of 0 bytes before `size` is the end of the stream: an error, not the end of the file")
        .fail();
    }
}

#[test]
fn copy_exact_of_nothing_reads_nothing() {
    let mut reader = Cursor::new(frame(b"Q"));
    let mut out = Vec::new();
    let got = kit::copy_exact(&mut reader, &mut out, 0);
    if got.is_err() || !out.is_empty() || reader.position() != 0 {
        Report::sent("copy_exact of 0 bytes from a reader holding a Quit frame")
            .expected("Ok(()), nothing copied, nothing read")
            .got(format!(
                "{got:?}, {} bytes copied, {} read",
                out.len(),
                reader.position()
            ))
            .cause("an empty file has no bytes: the next frame must be left where it is")
            .fail();
    }
}
