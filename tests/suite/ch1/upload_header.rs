//! Tests of the exercise `upload-header`: the header line of an upload, its
//! name rules, and reading it from a stream without reading past it. No
//! sockets: a `&[u8]` is the stream.

use netkit_tests::harness::{Report, show};
use netkit_tests::kit::ch1::upload_header::{self as kit, Header, MAX_HEADER};
use rstest::rstest;

#[rstest]
#[case::small_file("UPLOAD 5 a.txt", 5, "a.txt")]
#[case::empty_file("UPLOAD 0 empty", 0, "empty")]
#[case::large_size("UPLOAD 123456789012 big.bin", 123_456_789_012, "big.bin")]
#[case::largest_u64("UPLOAD 18446744073709551615 huge", u64::MAX, "huge")]
#[case::leading_zeros("UPLOAD 007 bond.txt", 7, "bond.txt")]
#[case::space_inside_the_name("UPLOAD 12 my photo.jpg", 12, "my photo.jpg")]
#[case::utf8_name("UPLOAD 3 照片.jpg", 3, "照片.jpg")]
#[case::dot_inside_the_name("UPLOAD 1 a..b", 1, "a..b")]
#[case::name_of_255_bytes(&format!("UPLOAD 1 {}", "n".repeat(255)), 1, &"n".repeat(255))]
fn header_parsing_accepts_a_good_line(#[case] line: &str, #[case] size: u64, #[case] name: &str) {
    let expected = Header {
        size,
        name: name.to_string(),
    };
    match kit::parse_header(line) {
        Ok(header) if header == expected => {}
        other => Report::sent(format!("parse_header({line:?})"))
            .expected(format!("Ok({expected:?})"))
            .got(format!("{other:?}"))
            .cause("the name is the rest of the line after the second space; the size is decimal digits")
            .fail(),
    }
}

#[rstest]
#[case::empty_line("", "bad header")]
#[case::command_alone("UPLOAD", "bad header")]
#[case::missing_name("UPLOAD 5", "bad header")]
#[case::missing_size("UPLOAD a.txt", "bad header")]
#[case::non_numeric_size("UPLOAD five a.txt", "bad header")]
#[case::negative_size("UPLOAD -5 a.txt", "bad header")]
#[case::plus_sign("UPLOAD +5 a.txt", "bad header")]
#[case::decimal_point("UPLOAD 5.0 a.txt", "bad header")]
#[case::hex_size("UPLOAD 0x10 a.txt", "bad header")]
#[case::size_overflows_u64("UPLOAD 18446744073709551616 a.txt", "bad header")]
#[case::lowercase_command("upload 5 a.txt", "bad header")]
#[case::another_command("PUT 5 a.txt", "bad header")]
#[case::http_request("GET / HTTP/1.1", "bad header")]
#[case::two_spaces_before_the_size("UPLOAD  5 a.txt", "bad header")]
#[case::space_before_the_command(" UPLOAD 5 a.txt", "bad header")]
#[case::tab_separated("UPLOAD\t5\ta.txt", "bad header")]
#[case::empty_name("UPLOAD 5 ", "bad name")]
#[case::parent_folder("UPLOAD 5 ..", "bad name")]
#[case::this_folder("UPLOAD 5 .", "bad name")]
#[case::climbs_out("UPLOAD 5 ../x", "bad name")]
#[case::climbs_far("UPLOAD 5 ../../../etc/passwd", "bad name")]
#[case::absolute_path("UPLOAD 5 /etc/passwd", "bad name")]
#[case::into_a_subfolder("UPLOAD 5 a/b", "bad name")]
#[case::backslash("UPLOAD 5 a\\b", "bad name")]
#[case::windows_climb("UPLOAD 5 ..\\x", "bad name")]
#[case::nul_byte("UPLOAD 5 a\0b", "bad name")]
#[case::carriage_return("UPLOAD 5 a.txt\r", "bad name")]
#[case::escape_character("UPLOAD 5 a\x1b[2Jb", "bad name")]
#[case::hidden_file("UPLOAD 5 .bashrc", "bad name")]
#[case::two_spaces_before_the_name("UPLOAD 5  a.txt", "bad name")]
#[case::trailing_space("UPLOAD 5 a.txt ", "bad name")]
#[case::name_of_256_bytes(&format!("UPLOAD 1 {}", "n".repeat(256)), "bad name")]
fn header_parsing_refuses_a_bad_line(#[case] line: &str, #[case] reason: &str) {
    match kit::parse_header(line) {
        Err(e) if e.to_string().starts_with(reason) => {}
        other => Report::sent(format!("parse_header({line:?})"))
            .expected(format!("an error whose text starts with {reason:?}"))
            .got(format!("{other:?}"))
            .cause(if reason == "bad name" {
                "a name must stay inside the folder: no `/` or `\\`, no leading `.`, no control character, 1 to 255 bytes, no space at either end"
            } else {
                "the header is exactly `UPLOAD <size> <name>`, one space apart, the size in decimal digits"
            })
            .fail(),
    }
}

#[rstest]
#[case::content_follows(b"UPLOAD 5 a.txt\nhello", 5, "a.txt", b"hello")]
#[case::content_looks_like_a_header(b"UPLOAD 3 b\nUPLOAD 9 c\n", 3, "b", b"UPLOAD 9 c\n")]
#[case::nothing_follows(b"UPLOAD 0 empty\n", 0, "empty", b"")]
fn header_reading_stops_at_the_newline(
    #[case] input: &[u8],
    #[case] size: u64,
    #[case] name: &str,
    #[case] rest: &[u8],
) {
    let mut reader = input;
    let header = kit::read_header(&mut reader);
    let expected = Header {
        size,
        name: name.to_string(),
    };
    if !matches!(&header, Ok(h) if *h == expected) || reader != rest {
        Report::sent(format!("read_header over {}", show(input)))
            .expected(format!("Ok({expected:?}), leaving {} unread", show(rest)))
            .got(format!("{header:?}, leaving {} unread", show(reader)))
            .cause("read up to the first `\\n` only: what follows is the file's content")
            .fail();
    }
}

/// A header line of exactly `len` bytes, `\n` included, padding the size
/// with leading zeros: `UPLOAD 000…05 a\n`.
fn header_of_length(len: usize) -> Vec<u8> {
    let zeros = len - "UPLOAD 5 a\n".len();
    format!("UPLOAD {}5 a\n", "0".repeat(zeros)).into_bytes()
}

#[test]
fn header_reading_accepts_a_line_of_exactly_the_maximum_length() {
    let input = header_of_length(MAX_HEADER);
    let mut reader = &input[..];
    match kit::read_header(&mut reader) {
        Ok(Header { size: 5, name }) if name == "a" => {}
        other => Report::sent(format!(
            "read_header over a line of {MAX_HEADER} bytes, `\\n` included"
        ))
        .expected("Ok(Header { size: 5, name: \"a\" })")
        .got(format!("{other:?}"))
        .cause("MAX_HEADER counts the `\\n`: a line of exactly MAX_HEADER bytes is allowed")
        .fail(),
    }
}

#[rstest]
#[case::one_byte_too_long(header_of_length(MAX_HEADER + 1), "bad header: longer than")]
#[case::endless_line(vec![b'a'; 100_000], "bad header: longer than")]
#[case::no_newline_before_end_of_file(b"UPLOAD 5 a.txt".to_vec(), "bad header")]
#[case::nothing_at_all(Vec::new(), "bad header")]
#[case::not_utf8(b"UPLOAD 5 \xff\xfe\n".to_vec(), "bad header")]
#[case::bad_name(b"UPLOAD 5 ../x\nhello".to_vec(), "bad name")]
fn header_reading_refuses_a_bad_line(#[case] input: Vec<u8>, #[case] reason: &str) {
    let mut reader = &input[..];
    match kit::read_header(&mut reader) {
        Err(e) if e.to_string().starts_with(reason) => {
            // An endless line must not be read to its end.
            let read = input.len() - reader.len();
            if read > MAX_HEADER {
                Report::sent(format!("read_header over {}", show(&input)))
                    .expected(format!("at most {MAX_HEADER} bytes read"))
                    .got(format!("{read} bytes read"))
                    .cause("`Read::take(MAX_HEADER)` bounds what `read_until` may consume")
                    .fail();
            }
        }
        other => Report::sent(format!("read_header over {}", show(&input)))
            .expected(format!("an error whose text starts with {reason:?}"))
            .got(format!("{other:?}"))
            .cause("stop after MAX_HEADER bytes; an end of file before `\\n` is a bad header")
            .fail(),
    }
}
