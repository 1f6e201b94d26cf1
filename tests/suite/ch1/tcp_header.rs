//! Tests of the exercise `tcp-header`.
//!
//! Two kinds of input: real segments, captured on loopback by
//! `data/capture_tcp.py` into `data/tcp-captures.txt` (a whole connection:
//! handshake, a line each way, both closes, and a reset), and hand-made
//! headers, one for each way a header can be malformed.

use netkit_tests::harness::server::panic_text;
use netkit_tests::harness::{Report, from_hex, hex};
use netkit_tests::kit::ch1::tcp_header::{
    self, Flags, HeaderError, OptionProblem, TcpHeader, TcpOption,
};
use rstest::rstest;
use std::fmt::Debug;

/// The capture: comment lines start with `#`; every other line is a name and
/// the segment (TCP header and payload) in hex.
const CAPTURES: &str = include_str!("../../../data/tcp-captures.txt");

/// The port the captured client connected to; the refused client tried 8889.
const SERVER_PORT: u16 = 8888;
const CLOSED_PORT: u16 = 8889;

/// The bytes of the captured segment called `name`.
fn captured(name: &str) -> Vec<u8> {
    CAPTURES
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once(' '))
        .find(|(label, _)| *label == name)
        .map(|(_, digits)| from_hex(digits))
        .unwrap_or_else(|| panic!("no segment named {name:?} in data/tcp-captures.txt"))
}

/// Parses `bytes`, and fails with a report if the implementation rejects them.
#[track_caller]
fn parse_ok(what: &str, bytes: &[u8]) -> TcpHeader {
    match tcp_header::parse(bytes) {
        Ok(header) => header,
        Err(e) => Report::sent(format!("parse({what}) with the bytes {}", hex(bytes)))
            .expected("Ok(the header): these bytes are a well-formed TCP header")
            .got(format!("Err({e:?}): {e}"))
            .cause("a check rejects a valid header: is the data offset read from the top 4 bits of byte 12, and are options' lengths counted from their kind byte?")
            .fail(),
    }
}

/// The captured segment `name`, parsed.
#[track_caller]
fn parsed(name: &str) -> TcpHeader {
    parse_ok(&format!("the captured {name:?}"), &captured(name))
}

/// Fails with a report unless `got == expected`.
#[track_caller]
fn check<T: PartialEq + Debug>(sent: &str, what: &str, got: T, expected: T, cause: &str) {
    if got != expected {
        Report::sent(sent)
            .expected(format!("{what} = {expected:?}"))
            .got(format!("{what} = {got:?}"))
            .cause(cause)
            .fail();
    }
}

/// A hand-made segment: ports 1234 → 80, sequence number 1, acknowledgment
/// number 2, the given data offset (in words) and flag byte, window 65535,
/// checksum and urgent pointer 0; then `rest`: the options, then any payload.
fn handmade(data_offset: u8, flags: u8, rest: &[u8]) -> Vec<u8> {
    let mut bytes = from_hex("04d2 0050  00000001  00000002");
    bytes.extend([data_offset << 4, flags, 0xff, 0xff, 0, 0, 0, 0]);
    bytes.extend_from_slice(rest);
    bytes
}

/// Flags from tcpdump's letters: `S` SYN, `F` FIN, `R` RST, `P` PSH, `.` ACK,
/// `U` URG, `E` ECE, `W` CWR.
fn flags(letters: &str) -> Flags {
    let has = |letter| letters.contains(letter);
    Flags {
        cwr: has('W'),
        ece: has('E'),
        urg: has('U'),
        ack: has('.'),
        psh: has('P'),
        rst: has('R'),
        syn: has('S'),
        fin: has('F'),
    }
}

// ---------------------------------------------------------------------------
// Flags::from_byte: one bit each.

#[rstest]
#[case::fin(0x01, "F")]
#[case::syn(0x02, "S")]
#[case::rst(0x04, "R")]
#[case::psh(0x08, "P")]
#[case::ack(0x10, ".")]
#[case::urg(0x20, "U")]
#[case::ece(0x40, "E")]
#[case::cwr(0x80, "W")]
#[case::none(0x00, "")]
#[case::syn_ack(0x12, "S.")]
#[case::all(0xff, "FSRP.UEW")]
fn decodes_each_flag_bit(#[case] byte: u8, #[case] letters: &str) {
    check(
        &format!("Flags::from_byte({byte:#04x}), that is {byte:#010b}"),
        "the flags",
        Flags::from_byte(byte),
        flags(letters),
        "byte 13 holds, from its highest bit to its lowest: CWR 0x80, ECE 0x40, URG 0x20, \
         ACK 0x10, PSH 0x08, RST 0x04, SYN 0x02, FIN 0x01; a flag is set when byte & bit != 0",
    );
}

// ---------------------------------------------------------------------------
// parse_fixed: the 20 fixed bytes, big-endian.

/// Each field of the fixed part, with the usual mistake when it comes out wrong.
#[track_caller]
fn check_fixed(sent: &str, got: &TcpHeader, expected: &TcpHeader) {
    let endian = "numbers on the wire are big-endian (network byte order): use \
                  u16::from_be_bytes / u32::from_be_bytes, not from_le_bytes or from_ne_bytes";
    check(
        sent,
        "source_port",
        got.source_port,
        expected.source_port,
        endian,
    );
    check(
        sent,
        "destination_port",
        got.destination_port,
        expected.destination_port,
        endian,
    );
    check(
        sent,
        "sequence_number",
        got.sequence_number,
        expected.sequence_number,
        endian,
    );
    check(
        sent,
        "acknowledgment_number",
        got.acknowledgment_number,
        expected.acknowledgment_number,
        endian,
    );
    check(
        sent,
        "data_offset",
        got.data_offset,
        expected.data_offset,
        "the data offset is the top 4 bits of byte 12 (byte >> 4), counted in 32-bit words",
    );
    check(
        sent,
        "flags",
        got.flags,
        expected.flags,
        "the flags are byte 13, decoded by Flags::from_byte",
    );
    check(sent, "window", got.window, expected.window, endian);
    check(sent, "checksum", got.checksum, expected.checksum, endian);
    check(
        sent,
        "urgent_pointer",
        got.urgent_pointer,
        expected.urgent_pointer,
        endian,
    );
}

#[test]
fn reads_the_fixed_part_in_network_byte_order() {
    let bytes = from_hex("1234 abcd  01020304  a1b2c3d4  50 12 fedc  8001 0102");
    let got = tcp_header::parse_fixed(&bytes).unwrap_or_else(|e| {
        panic!(
            "parse_fixed({}) failed: {e:?}, but it is a valid fixed part",
            hex(&bytes)
        )
    });
    let expected = TcpHeader {
        source_port: 0x1234,
        destination_port: 0xabcd,
        sequence_number: 0x0102_0304,
        acknowledgment_number: 0xa1b2_c3d4,
        data_offset: 5,
        flags: flags("S."),
        window: 0xfedc,
        checksum: 0x8001,
        urgent_pointer: 0x0102,
        options: vec![],
    };
    let sent = format!("parse_fixed({})", hex(&bytes));
    check_fixed(&sent, &got, &expected);
    check(
        &sent,
        "options",
        got.options,
        vec![],
        "parse_fixed leaves the options empty",
    );
}

#[test]
fn parse_fixed_reads_only_the_first_20_bytes() {
    // The captured SYN has 20 bytes of options; parse_fixed leaves them alone.
    let syn = captured("syn");
    let got = tcp_header::parse_fixed(&syn)
        .unwrap_or_else(|e| panic!("parse_fixed(the captured SYN: {}) failed: {e:?}", hex(&syn)));
    let sent = format!("parse_fixed(the captured SYN: {})", hex(&syn));
    check(
        &sent,
        "data_offset",
        got.data_offset,
        10,
        "the top 4 bits of byte 12 (0xa0 >> 4)",
    );
    check(
        &sent,
        "sequence_number",
        got.sequence_number,
        3_059_673_263,
        "read bytes 4..8 big-endian",
    );
    check(
        &sent,
        "options",
        got.options,
        vec![],
        "parse_fixed leaves the options to parse_options",
    );
}

#[rstest]
#[case::nothing(&[], HeaderError::TooShort { len: 0 })]
#[case::nineteen_bytes(&[0x50; 19], HeaderError::TooShort { len: 19 })]
#[case::offset_4(&handmade(4, 0x02, &[]), HeaderError::BadDataOffset { offset: 4 })]
#[case::offset_0(&handmade(0, 0x02, &[]), HeaderError::BadDataOffset { offset: 0 })]
fn parse_fixed_rejects_what_cannot_be_a_header(
    #[case] bytes: &[u8],
    #[case] expected: HeaderError,
) {
    check(
        &format!("parse_fixed({})", hex(bytes)),
        "the result",
        tcp_header::parse_fixed(bytes),
        Err(expected),
        "check the length (at least 20 bytes) before reading, then the data offset (at least 5)",
    );
}

#[test]
fn ignores_the_reserved_bits_beside_the_data_offset() {
    // Byte 12 is 0x5f: data offset 5, and the 4 reserved bits all set.
    let mut bytes = handmade(5, 0x10, &[]);
    bytes[12] = 0x5f;
    let got = parse_ok("a header whose reserved bits are set", &bytes);
    let sent = format!("parse({})", hex(&bytes));
    check(
        &sent,
        "data_offset",
        got.data_offset,
        5,
        "shift byte 12 right by 4: the low bits are reserved",
    );
    check(
        &sent,
        "flags",
        got.flags,
        flags("."),
        "the flags are byte 13 only",
    );
}

// ---------------------------------------------------------------------------
// decode_option: one option, given its data.

#[rstest]
#[case::mss(2, "05b4", TcpOption::MaximumSegmentSize(1460))]
#[case::window_scale(3, "07", TcpOption::WindowScale(7))]
#[case::sack_permitted(4, "", TcpOption::SackPermitted)]
#[case::sack_one_block(5, "00000064 000000c8", TcpOption::Sack(vec![(100, 200)]))]
#[case::sack_two_blocks(5, "00000064 000000c8 0000012c 00000190", TcpOption::Sack(vec![(100, 200), (300, 400)]))]
#[case::timestamps(8, "0bee1cec 00000000", TcpOption::Timestamps { value: 200_154_348, echo_reply: 0 })]
#[case::unknown_empty(30, "", TcpOption::Unknown { kind: 30, data: vec![] })]
#[case::unknown_with_data(254, "abcd", TcpOption::Unknown { kind: 254, data: vec![0xab, 0xcd] })]
fn decodes_each_kind_of_option(#[case] kind: u8, #[case] data: &str, #[case] expected: TcpOption) {
    let data = from_hex(data);
    check(
        &format!("decode_option({kind}, data {}, at 20)", hex(&data)),
        "the option",
        tcp_header::decode_option(kind, &data, 20),
        Ok(expected),
        "MSS is a u16, window scale a u8, timestamps and SACK edges u32, all big-endian; \
         an unknown kind keeps its data",
    );
}

#[rstest]
#[case::mss_of_length_3(2, "05", OptionProblem::WrongLength { len: 3, expected: 4 })]
#[case::mss_of_length_5(2, "05b400", OptionProblem::WrongLength { len: 5, expected: 4 })]
#[case::window_scale_of_length_2(3, "", OptionProblem::WrongLength { len: 2, expected: 3 })]
#[case::sack_permitted_of_length_3(4, "00", OptionProblem::WrongLength { len: 3, expected: 2 })]
#[case::timestamps_of_length_8(8, "000000010000", OptionProblem::WrongLength { len: 8, expected: 10 })]
#[case::sack_without_blocks(5, "", OptionProblem::BadSackLength { len: 2 })]
#[case::sack_of_half_a_block(5, "00000064", OptionProblem::BadSackLength { len: 6 })]
#[case::sack_of_one_and_a_half_blocks(5, "00000064 000000c8 0000012c", OptionProblem::BadSackLength { len: 14 })]
fn rejects_a_known_option_of_the_wrong_length(
    #[case] kind: u8,
    #[case] data: &str,
    #[case] why: OptionProblem,
) {
    let data = from_hex(data);
    check(
        &format!("decode_option({kind}, data {}, at 24)", hex(&data)),
        "the result",
        tcp_header::decode_option(kind, &data, 24),
        Err(HeaderError::BadOption { kind, at: 24, why }),
        "the length byte is data.len() + 2; MSS is always 4, window scale 3, SACK-permitted 2, \
         timestamps 10, and a SACK 2 + 8 per block, with at least one block",
    );
}

// ---------------------------------------------------------------------------
// parse_options: the walk through the options area.

#[rstest]
#[case::no_options("", vec![])]
#[case::only_nops("01010101", vec![TcpOption::NoOperation; 4])]
#[case::mss("020405b4", vec![TcpOption::MaximumSegmentSize(1460)])]
#[case::nop_aligns_window_scale(
    "020405b4 01030307",
    vec![TcpOption::MaximumSegmentSize(1460), TcpOption::NoOperation, TcpOption::WindowScale(7)],
)]
#[case::end_then_zero_padding(
    "020405b4 00000000",
    vec![TcpOption::MaximumSegmentSize(1460), TcpOption::EndOfOptionList],
)]
#[case::nothing_after_the_end_is_read("00ffffff", vec![TcpOption::EndOfOptionList])]
#[case::timestamps_after_two_nops(
    "0101080a 0bee1cec ae267369",
    vec![
        TcpOption::NoOperation,
        TcpOption::NoOperation,
        TcpOption::Timestamps { value: 200_154_348, echo_reply: 2_921_755_497 },
    ],
)]
#[case::sack_after_two_nops(
    "0101050a 00000064 000000c8",
    vec![TcpOption::NoOperation, TcpOption::NoOperation, TcpOption::Sack(vec![(100, 200)])],
)]
#[case::sack_permitted_then_nops(
    "04020101",
    vec![TcpOption::SackPermitted, TcpOption::NoOperation, TcpOption::NoOperation],
)]
#[case::unknown_kind("fe04abcd", vec![TcpOption::Unknown { kind: 254, data: vec![0xab, 0xcd] }])]
fn walks_the_options(#[case] options: &str, #[case] expected: Vec<TcpOption>) {
    let options = from_hex(options);
    check(
        &format!("parse_options({})", hex(&options)),
        "the options",
        tcp_header::parse_options(&options),
        Ok(expected),
        "kind 0 ends the list (stop there) and kind 1 is a single byte; every other kind \
         has a length byte that counts kind, length and data",
    );
}

#[rstest]
#[case::length_0("02000000", 2, 20, OptionProblem::LengthTooSmall { len: 0 })]
#[case::length_1("01080100", 8, 21, OptionProblem::LengthTooSmall { len: 1 })]
#[case::unknown_kind_of_length_0("fe000000", 254, 20, OptionProblem::LengthTooSmall { len: 0 })]
#[case::no_length_byte("01010102", 2, 23, OptionProblem::NoLength)]
#[case::running_past_the_end("020805b4", 2, 20, OptionProblem::PastEnd { len: 8, room: 4 })]
#[case::running_past_the_end_after_a_nop("01080a00 00000001", 8, 21, OptionProblem::PastEnd { len: 10, room: 7 })]
#[case::mss_of_length_3("02030501", 2, 20, OptionProblem::WrongLength { len: 3, expected: 4 })]
#[case::bad_second_option("020405b4 03020101", 3, 24, OptionProblem::WrongLength { len: 2, expected: 3 })]
fn rejects_a_malformed_option(
    #[case] options: &str,
    #[case] kind: u8,
    #[case] at: usize,
    #[case] why: OptionProblem,
) {
    let options = from_hex(options);
    check(
        &format!("parse_options({})", hex(&options)),
        "the result",
        tcp_header::parse_options(&options),
        Err(HeaderError::BadOption { kind, at, why }),
        "check the length byte before slicing with it: missing, below 2, or longer than what \
         is left; `at` counts from the header's first byte, so the first option is at 20",
    );
}

// ---------------------------------------------------------------------------
// parse: the whole header, and every way it can be malformed.

#[rstest]
#[case::nothing(vec![], HeaderError::TooShort { len: 0 })]
#[case::nineteen_bytes(handmade(5, 0x02, &[])[..19].to_vec(), HeaderError::TooShort { len: 19 })]
#[case::offset_4(handmade(4, 0x02, &[]), HeaderError::BadDataOffset { offset: 4 })]
#[case::offset_15_but_40_bytes(
    handmade(15, 0x02, &[1; 20]),
    HeaderError::Truncated { header_len: 60, available: 40 },
)]
#[case::offset_6_but_20_bytes(
    handmade(6, 0x02, &[]),
    HeaderError::Truncated { header_len: 24, available: 20 },
)]
#[case::captured_syn_cut_short(
    captured("syn")[..39].to_vec(),
    HeaderError::Truncated { header_len: 40, available: 39 },
)]
#[case::option_length_0(
    handmade(6, 0x02, &[2, 0, 0, 0]),
    HeaderError::BadOption { kind: 2, at: 20, why: OptionProblem::LengthTooSmall { len: 0 } },
)]
#[case::option_length_1(
    handmade(6, 0x02, &[2, 1, 0, 0]),
    HeaderError::BadOption { kind: 2, at: 20, why: OptionProblem::LengthTooSmall { len: 1 } },
)]
#[case::option_without_its_length_byte(
    handmade(6, 0x02, &[1, 1, 1, 2]),
    HeaderError::BadOption { kind: 2, at: 23, why: OptionProblem::NoLength },
)]
#[case::option_running_into_the_payload(
    // The option claims 8 bytes, but the header ends after 4: the 4 payload
    // bytes that follow are not options.
    handmade(6, 0x18, &[2, 8, 5, 0xb4, b'a', b'b', b'c', b'd']),
    HeaderError::BadOption { kind: 2, at: 20, why: OptionProblem::PastEnd { len: 8, room: 4 } },
)]
#[case::mss_of_length_3(
    handmade(6, 0x02, &[2, 3, 5, 1]),
    HeaderError::BadOption { kind: 2, at: 20, why: OptionProblem::WrongLength { len: 3, expected: 4 } },
)]
fn rejects_a_malformed_header(#[case] bytes: Vec<u8>, #[case] expected: HeaderError) {
    check(
        &format!("parse({})", hex(&bytes)),
        "the result",
        tcp_header::parse(&bytes),
        Err(expected.clone()),
        match expected {
            HeaderError::TooShort { .. } => "a header has at least 20 bytes: check before reading",
            HeaderError::BadDataOffset { .. } => {
                "a data offset below 5 is shorter than the fixed part"
            }
            HeaderError::Truncated { .. } => {
                "compare the header length (data offset × 4) with the bytes given, before \
                 reading the options"
            }
            HeaderError::BadOption { .. } => {
                "give parse_options only the options area, bytes 20..header_len, and check \
                 each length byte before using it"
            }
        },
    );
}

#[test]
fn never_panics_on_cut_or_corrupted_segments() {
    // Every prefix of three captured segments, and each of their bytes
    // replaced by values that make lengths lie (0, 1, 0xff, …).
    for name in ["syn", "hello", "refused-rst"] {
        let segment = captured(name);
        let mut inputs: Vec<Vec<u8>> = (0..=segment.len())
            .map(|len| segment[..len].to_vec())
            .collect();
        for i in 0..segment.len() {
            for value in [0x00, 0x01, 0x02, 0x03, 0x0f, 0x10, 0x7f, 0xf0, 0xff] {
                let mut corrupted = segment.clone();
                corrupted[i] = value;
                inputs.push(corrupted);
            }
        }
        for input in inputs {
            if let Err(payload) = std::panic::catch_unwind(|| tcp_header::parse(&input)) {
                Report::sent(format!("parse({})", hex(&input)))
                    .expected("Ok(…) or Err(…): never a panic, whatever the bytes")
                    .got(format!("a panic: {}", panic_text(&*payload)))
                    .cause(
                        "an index or a slice past the bytes given: check every length before \
                         using it (the 20 fixed bytes, the data offset, each option's length byte)",
                    )
                    .fail();
            }
        }
    }
}

#[rstest]
#[case::captured_hello(captured("hello"), 32, b"hello\n")]
#[case::captured_hi(captured("hi"), 32, b"hi!\n")]
#[case::captured_syn(captured("syn"), 40, b"")]
#[case::captured_reset(captured("refused-rst"), 20, b"")]
#[case::after_options(handmade(6, 0x18, b"\x01\x01\x01\x00abc"), 24, b"abc")]
#[case::no_options(handmade(5, 0x18, b"GET /"), 20, b"GET /")]
fn splits_header_and_payload(
    #[case] segment: Vec<u8>,
    #[case] header_len: usize,
    #[case] payload: &[u8],
) {
    let header = parse_ok("a segment", &segment);
    let sent = format!("parse({})", hex(&segment));
    check(
        &sent,
        "header_len()",
        header.header_len(),
        header_len,
        "the data offset counts 32-bit words: the header is data_offset × 4 bytes",
    );
    check(
        &sent,
        "payload(segment)",
        header.payload(&segment),
        payload,
        "the payload starts where the header ends, at header_len()",
    );
}

// ---------------------------------------------------------------------------
// Real segments, captured on loopback.

#[test]
fn decodes_the_captured_syn_field_by_field() {
    let syn = captured("syn");
    let got = parse_ok("the captured SYN", &syn);
    let expected = TcpHeader {
        source_port: 32872,
        destination_port: SERVER_PORT,
        sequence_number: 3_059_673_263,
        acknowledgment_number: 0,
        data_offset: 10,
        flags: flags("S"),
        window: 65495,
        // On loopback the kernel skips the checksum; the field holds only
        // the sum of the pseudo-header (see the book page).
        checksum: 0xfe30,
        urgent_pointer: 0,
        options: vec![
            TcpOption::MaximumSegmentSize(65495),
            TcpOption::SackPermitted,
            TcpOption::Timestamps {
                value: 200_154_348,
                echo_reply: 0,
            },
            TcpOption::NoOperation,
            TcpOption::WindowScale(10),
        ],
    };
    let sent = format!("parse(the captured SYN: {})", hex(&syn));
    check_fixed(&sent, &got, &expected);
    check(
        &sent,
        "options",
        got.options,
        expected.options,
        "bytes 20..40 are the options: MSS (kind 2, length 4), SACK-permitted (4, 2), \
         timestamps (8, 10), a NOP (1), window scale (3, 3)",
    );
}

#[rstest]
#[case::syn("syn", true, "S")]
#[case::syn_ack("syn-ack", false, "S.")]
#[case::ack("ack", true, ".")]
#[case::hello("hello", true, "P.")]
#[case::hello_ack("hello-ack", false, ".")]
#[case::hi("hi", false, "P.")]
#[case::hi_ack("hi-ack", true, ".")]
#[case::client_fin("client-fin", true, "F.")]
#[case::client_fin_ack("client-fin-ack", false, ".")]
#[case::server_fin("server-fin", false, "F.")]
#[case::server_fin_ack("server-fin-ack", true, ".")]
#[case::refused_syn("refused-syn", true, "S")]
#[case::refused_rst("refused-rst", false, "R.")]
fn reads_ports_and_flags_of_each_captured_segment(
    #[case] name: &str,
    #[case] from_client: bool,
    #[case] letters: &str,
) {
    let header = parsed(name);
    let sent = format!("parse(the captured {name:?}: {})", hex(&captured(name)));
    // The client's port is ephemeral: the one its SYN came from.
    let refused = name.starts_with("refused");
    let server_port = if refused { CLOSED_PORT } else { SERVER_PORT };
    let client_port = parsed(if refused { "refused-syn" } else { "syn" }).source_port;
    let (source, destination) = if from_client {
        (client_port, server_port)
    } else {
        (server_port, client_port)
    };
    let endian = "ports are bytes 0–1 and 2–3, big-endian";
    check(&sent, "source_port", header.source_port, source, endian);
    check(
        &sent,
        "destination_port",
        header.destination_port,
        destination,
        endian,
    );
    check(
        &sent,
        "flags",
        header.flags,
        flags(letters),
        "the flags are byte 13: SYN 0x02, ACK 0x10, PSH 0x08, FIN 0x01, RST 0x04",
    );
}

#[test]
fn the_handshake_acknowledges_each_syn_as_one_byte() {
    let (syn, syn_ack, ack) = (parsed("syn"), parsed("syn-ack"), parsed("ack"));
    let cause = "a SYN takes one sequence number: the answer acknowledges seq + 1; \
                 if these differ, the numbers are not read as big-endian u32";
    let sent = "the captured handshake: syn, syn-ack, ack";
    check(
        sent,
        "syn-ack's acknowledgment_number",
        syn_ack.acknowledgment_number,
        syn.sequence_number.wrapping_add(1),
        cause,
    );
    check(
        sent,
        "ack's sequence_number",
        ack.sequence_number,
        syn.sequence_number.wrapping_add(1),
        cause,
    );
    check(
        sent,
        "ack's acknowledgment_number",
        ack.acknowledgment_number,
        syn_ack.sequence_number.wrapping_add(1),
        cause,
    );
}

#[test]
fn data_moves_the_sequence_number_by_its_length() {
    let sent =
        "the captured exchange: ack, hello (\"hello\\n\"), hello-ack, hi (\"hi!\\n\"), hi-ack";
    let cause = "the acknowledgment number is the next byte expected: seq + payload length";
    let (ack, hello, hello_ack) = (parsed("ack"), parsed("hello"), parsed("hello-ack"));
    let (hi, hi_ack) = (parsed("hi"), parsed("hi-ack"));
    check(
        sent,
        "hello's sequence_number",
        hello.sequence_number,
        ack.sequence_number,
        cause,
    );
    check(
        sent,
        "hello-ack's acknowledgment_number",
        hello_ack.acknowledgment_number,
        hello.sequence_number.wrapping_add(6),
        cause,
    );
    check(
        sent,
        "hi's sequence_number",
        hi.sequence_number,
        hello.acknowledgment_number,
        cause,
    );
    check(
        sent,
        "hi-ack's acknowledgment_number",
        hi_ack.acknowledgment_number,
        hi.sequence_number.wrapping_add(4),
        cause,
    );
}

#[rstest]
#[case::client_closes("client-fin", "client-fin-ack")]
#[case::server_closes("server-fin", "server-fin-ack")]
fn each_fin_is_acknowledged_as_one_byte(#[case] fin: &str, #[case] its_ack: &str) {
    let (fin_header, ack_header) = (parsed(fin), parsed(its_ack));
    check(
        &format!("the captured {fin:?}, then {its_ack:?}"),
        &format!("{its_ack}'s acknowledgment_number"),
        ack_header.acknowledgment_number,
        fin_header.sequence_number.wrapping_add(1),
        "like a SYN, a FIN takes one sequence number",
    );
}

#[test]
fn the_timestamps_echo_each_other() {
    let timestamps = |name: &str| {
        let options = parsed(name).options;
        options
            .iter()
            .find_map(|option| match option {
                TcpOption::Timestamps { value, echo_reply } => Some((*value, *echo_reply)),
                _ => None,
            })
            .unwrap_or_else(|| {
                Report::sent(format!("parse(the captured {name:?})"))
                    .expected("a Timestamps option among the options")
                    .got(format!("{options:?}"))
                    .cause("kind 8, length 10: two big-endian u32, the value then the echo reply")
                    .fail()
            })
    };
    let (syn_value, syn_echo) = timestamps("syn");
    let (syn_ack_value, syn_ack_echo) = timestamps("syn-ack");
    let (_, ack_echo) = timestamps("ack");
    let sent = "the captured handshake: syn, syn-ack, ack";
    let cause = "Timestamps is the value (bytes 2..6 of the option), then the echo reply (6..10)";
    check(sent, "syn's echo_reply", syn_echo, 0, cause);
    check(sent, "syn-ack's echo_reply", syn_ack_echo, syn_value, cause);
    check(sent, "ack's echo_reply", ack_echo, syn_ack_value, cause);
}

#[rstest]
#[case::syn("syn")]
#[case::syn_ack("syn-ack")]
#[case::refused_syn("refused-syn")]
fn syns_carry_the_handshake_options(#[case] name: &str) {
    let options = parsed(name).options;
    let expected = matches!(
        options.as_slice(),
        [
            TcpOption::MaximumSegmentSize(65495),
            TcpOption::SackPermitted,
            TcpOption::Timestamps { .. },
            TcpOption::NoOperation,
            TcpOption::WindowScale(_),
        ]
    );
    if !expected {
        Report::sent(format!(
            "parse(the captured {name:?}: {})",
            hex(&captured(name))
        ))
        .expected("options [mss 65495, sackOK, TS val … ecr …, nop, wscale …]")
        .got(format!("{options:?}"))
        .cause("the options are bytes 20..40; each but NOP and EOL has a length byte")
        .fail();
    }
}

#[rstest]
#[case::ack("ack")]
#[case::hello("hello")]
#[case::hello_ack("hello-ack")]
#[case::hi("hi")]
#[case::hi_ack("hi-ack")]
#[case::client_fin("client-fin")]
#[case::client_fin_ack("client-fin-ack")]
#[case::server_fin("server-fin")]
#[case::server_fin_ack("server-fin-ack")]
fn later_segments_carry_timestamps_after_two_nops(#[case] name: &str) {
    let header = parsed(name);
    let sent = format!("parse(the captured {name:?}: {})", hex(&captured(name)));
    check(
        &sent,
        "data_offset",
        header.data_offset,
        8,
        "12 bytes of options: 20 + 12 = 32 = 8 words",
    );
    let expected = matches!(
        header.options.as_slice(),
        [
            TcpOption::NoOperation,
            TcpOption::NoOperation,
            TcpOption::Timestamps { .. }
        ]
    );
    if !expected {
        Report::sent(sent)
            .expected("options [nop, nop, TS val … ecr …]")
            .got(format!("{:?}", header.options))
            .cause("two one-byte NOPs align the 10-byte timestamps option on a 32-bit word")
            .fail();
    }
}

#[test]
fn a_closed_port_answers_the_syn_with_a_reset() {
    let (syn, rst) = (parsed("refused-syn"), parsed("refused-rst"));
    let sent = format!(
        "parse(the captured \"refused-rst\": {})",
        hex(&captured("refused-rst"))
    );
    check(
        &sent,
        "data_offset",
        rst.data_offset,
        5,
        "no options: the header is 5 words",
    );
    check(
        &sent,
        "options",
        rst.options,
        vec![],
        "a 20-byte header has no options",
    );
    check(
        &sent,
        "sequence_number",
        rst.sequence_number,
        0,
        "bytes 4..8",
    );
    check(
        &sent,
        "acknowledgment_number",
        rst.acknowledgment_number,
        syn.sequence_number.wrapping_add(1),
        "the reset acknowledges the SYN it refuses: its seq + 1",
    );
    check(&sent, "window", rst.window, 0, "bytes 14..16");
}

#[rstest]
#[case::syn(
    "syn",
    "32872 > 8888 [S] seq 3059673263 win 65495 \
     options [mss 65495,sackOK,TS val 200154348 ecr 0,nop,wscale 10]"
)]
#[case::syn_ack(
    "syn-ack",
    "8888 > 32872 [S.] seq 563689321 ack 3059673264 win 65483 \
     options [mss 65495,sackOK,TS val 2921755497 ecr 200154348,nop,wscale 10]"
)]
#[case::hello(
    "hello",
    "32872 > 8888 [P.] seq 3059673264 ack 563689322 win 64 \
     options [nop,nop,TS val 200154348 ecr 2921755497]"
)]
#[case::server_fin(
    "server-fin",
    "8888 > 32872 [F.] seq 563689326 ack 3059673271 win 64 \
     options [nop,nop,TS val 2921755697 ecr 200154348]"
)]
#[case::refused_rst("refused-rst", "8889 > 40292 [R.] seq 0 ack 1087236973 win 0")]
fn shows_captured_segments_as_tcpdump_does(#[case] name: &str, #[case] tcpdump: &str) {
    // The expected lines carry the numbers tcpdump printed for the same
    // capture (`tcpdump -r data/tcp-captures.pcap -nn -S`).
    let header = parsed(name);
    check(
        &format!(
            "parse(the captured {name:?}: {}), then to_string()",
            hex(&captured(name))
        ),
        "the line",
        header.to_string().as_str(),
        tcpdump,
        "a field differs from tcpdump's reading of the same bytes",
    );
}
