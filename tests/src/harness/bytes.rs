//! Bytes as hex, both ways, for binary protocols (headers, length prefixes):
//! what a test writes as its input, and what a failure message shows.

/// Shows bytes as hex in groups of four (one 32-bit word of a header diagram
/// per group): `"806822b8 b65ee8af 0000"`. Long input is cut to its first
/// 120 bytes, like [`show`](super::show).
pub fn hex(bytes: &[u8]) -> String {
    const MAX: usize = 120;
    let words: Vec<String> = bytes
        .chunks(4)
        .take(MAX / 4)
        .map(|word| word.iter().map(|b| format!("{b:02x}")).collect())
        .collect();
    let shown = words.join(" ");
    if bytes.len() > MAX {
        format!("{shown}… ({} bytes in all)", bytes.len())
    } else {
        shown
    }
}

/// Reads hex written by a test author, such as `"8068 22b8  b65e"`:
/// whitespace between digit pairs is ignored. Panics on anything else,
/// because such text is the test's own data, never input from a peer.
#[track_caller]
pub fn from_hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(
        digits.len().is_multiple_of(2),
        "odd number of hex digits in {text:?}"
    );
    digits
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).unwrap_or("??");
            u8::from_str_radix(pair, 16)
                .unwrap_or_else(|_| panic!("{pair:?} is not hex, in {text:?}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_in_words_of_four() {
        let bytes = from_hex("8068 22b8\n b65ee8af 00");
        let expected = [0x80, 0x68, 0x22, 0xb8, 0xb6, 0x5e, 0xe8, 0xaf, 0x00];
        assert_eq!(
            bytes, expected,
            "from_hex(\"8068 22b8\\n b65ee8af 00\") should skip the spaces and the newline \
             (left: got, right: expected)"
        );
        let shown = hex(&bytes);
        assert_eq!(
            shown, "806822b8 b65ee8af 00",
            "hex should group the nine bytes in words of four (left: got, right: expected)"
        );
        let long = hex(&[0; 200]);
        assert!(
            long.ends_with("(200 bytes in all)"),
            "hex of 200 bytes should be cut and end with \"(200 bytes in all)\"; got {long:?}"
        );
    }
}
