//! Reading a TCP header (TCP 首部) from the raw bytes of a segment.
//!
//! A TCP segment (报文段) is a header, then the payload: the bytes the
//! application wrote. The header is 20 fixed bytes, then up to 40 bytes of
//! options; its own length is written in it, as the data offset. Every number
//! in it is big-endian: network byte order (网络字节序), most significant byte
//! first. The book page `ch1/tcp-header.md` draws the layout.
//!
//! [`parse`] reads a whole header. It is built from [`parse_fixed`] (the 20
//! fixed bytes), [`Flags::from_byte`] (the eight flag bits), [`parse_options`]
//! (the walk through the options) and [`decode_option`] (one option). None of
//! them panics, whatever the bytes: a header comes from the network, and a
//! malformed one is a [`HeaderError`] that says what is wrong and where.

use std::fmt;
use thiserror::Error;

// ANCHOR: types
/// The length of the fixed part of every TCP header, in bytes: 5 words of 4.
pub const FIXED_LEN: usize = 20;

/// A decoded TCP header.
///
/// The payload is not copied into it: it is whatever follows the header in
/// the segment, `&segment[header.header_len()..]`, which
/// [`TcpHeader::payload`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpHeader {
    /// The sender's port (bytes 0–1).
    pub source_port: u16,
    /// The receiver's port (bytes 2–3).
    pub destination_port: u16,
    /// The number of the first payload byte in this direction's byte stream
    /// (bytes 4–7). A SYN or a FIN also counts as one byte of the stream.
    pub sequence_number: u32,
    /// The next byte the sender expects from the other side (bytes 8–11).
    /// Meaningful only when the ACK flag is set.
    pub acknowledgment_number: u32,
    /// The header's length in 32-bit words: the top 4 bits of byte 12.
    /// At least 5 (the fixed part), at most 15 (60 bytes).
    pub data_offset: u8,
    /// The eight flag bits of byte 13.
    pub flags: Flags,
    /// How many more bytes the sender can receive (bytes 14–15), before
    /// window scaling: shift it left by the [`TcpOption::WindowScale`] the
    /// sender announced in its SYN.
    pub window: u16,
    /// The checksum over a pseudo-header, this header and the payload
    /// (bytes 16–17), as it is on the wire; not verified here.
    pub checksum: u16,
    /// With the URG flag: where urgent data ends, as an offset from the
    /// sequence number (bytes 18–19).
    pub urgent_pointer: u16,
    /// The options, in the order they came, each padding NOP and the final
    /// end-of-option-list included.
    pub options: Vec<TcpOption>,
}

/// The flags of byte 13 of the header, one bit each, from bit 7 (`0x80`) down
/// to bit 0 (`0x01`): CWR ECE URG ACK PSH RST SYN FIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags {
    /// `0x80` Congestion Window Reduced: the sender slowed down (ECN).
    pub cwr: bool,
    /// `0x40` ECN-Echo: a router on the path signalled congestion (ECN).
    pub ece: bool,
    /// `0x20` the urgent pointer is meaningful.
    pub urg: bool,
    /// `0x10` the acknowledgment number is meaningful.
    pub ack: bool,
    /// `0x08` push: hand the data to the application now.
    pub psh: bool,
    /// `0x04` reset: abort the connection.
    pub rst: bool,
    /// `0x02` synchronise sequence numbers: opens a connection.
    pub syn: bool,
    /// `0x01` finish: the sender has no more data.
    pub fin: bool,
}

/// One TCP option. Each starts with its kind byte; all but the first two go
/// on with a length byte that counts the kind, the length and the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpOption {
    /// Kind 0, one byte: the options end here; the rest of the header is padding.
    EndOfOptionList,
    /// Kind 1, one byte: no operation, padding that aligns the next option.
    NoOperation,
    /// Kind 2, length 4: the largest segment payload the sender can receive.
    MaximumSegmentSize(u16),
    /// Kind 3, length 3: the sender's window-scale shift count.
    WindowScale(u8),
    /// Kind 4, length 2: the sender understands selective acknowledgments.
    SackPermitted,
    /// Kind 5, length 2 + 8 per block: blocks received beyond the
    /// acknowledgment number, each as (left edge, right edge).
    Sack(Vec<(u32, u32)>),
    /// Kind 8, length 10: the sender's clock, and the last one it received.
    Timestamps {
        /// The sender's timestamp (TSval).
        value: u32,
        /// The other side's timestamp being echoed (TSecr); 0 in a first SYN.
        echo_reply: u32,
    },
    /// Any other kind, with its data (the bytes after kind and length).
    Unknown {
        /// The kind byte.
        kind: u8,
        /// The data bytes, without the kind and length bytes.
        data: Vec<u8>,
    },
}
// ANCHOR_END: types

// ANCHOR: errors
/// Why some bytes are not a well-formed TCP header.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HeaderError {
    /// Fewer bytes than the 20 of the fixed part.
    #[error("{len} bytes are too few for a TCP header: its fixed part alone is 20")]
    TooShort {
        /// How many bytes were given.
        len: usize,
    },
    /// A data offset below 5 words: shorter than the fixed part itself.
    #[error("data offset {offset} is below 5: a header is at least its 5 fixed words (20 bytes)")]
    BadDataOffset {
        /// The data offset read from byte 12.
        offset: u8,
    },
    /// The data offset announces more header bytes than were given.
    #[error(
        "the data offset says the header is {header_len} bytes, but only {available} were given"
    )]
    Truncated {
        /// The header length the data offset announces, in bytes.
        header_len: usize,
        /// How many bytes were given.
        available: usize,
    },
    /// A malformed option.
    #[error("option of kind {kind} at byte {at} of the header: {why}")]
    BadOption {
        /// The option's kind byte.
        kind: u8,
        /// Where its kind byte is, counted from the first byte of the TCP
        /// header: the first option is at 20.
        at: usize,
        /// What is wrong with it.
        why: OptionProblem,
    },
}

/// What is wrong with a malformed option.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OptionProblem {
    /// The kind byte is the header's last: its length byte is missing.
    #[error("the header ends where its length byte should be")]
    NoLength,
    /// A length of 0 or 1, less than the kind and length bytes themselves.
    #[error("its length byte says {len}, less than the 2 bytes of kind and length themselves")]
    LengthTooSmall {
        /// The length byte.
        len: u8,
    },
    /// The option runs past the end of the header.
    #[error("its length byte says {len}, but only {room} bytes of the header are left")]
    PastEnd {
        /// The length byte.
        len: u8,
        /// The bytes left from this option's kind byte to the header's end.
        room: usize,
    },
    /// A known option whose length is fixed came with another length.
    #[error("its length byte says {len}, but this kind is always {expected} bytes long")]
    WrongLength {
        /// The length byte.
        len: u8,
        /// The only length this kind may have.
        expected: u8,
    },
    /// A SACK option whose length is not 2 plus a whole number (≥ 1) of blocks.
    #[error(
        "its length byte says {len}, but a SACK is 2 bytes plus 8 per block (10, 18, 26 or 34)"
    )]
    BadSackLength {
        /// The length byte.
        len: u8,
    },
}
// ANCHOR_END: errors

impl TcpHeader {
    /// The header's length in bytes: [`data_offset`](Self::data_offset) words of 4.
    pub fn header_len(&self) -> usize {
        usize::from(self.data_offset) * 4
    }

    /// The payload of `segment`, the bytes this header was parsed from: all
    /// that follows the header. Empty if `segment` is shorter than the header.
    pub fn payload<'a>(&self, segment: &'a [u8]) -> &'a [u8] {
        segment.get(self.header_len()..).unwrap_or(&[])
    }
}

// ANCHOR: parse
/// Parses the TCP header at the start of `bytes` (a whole segment: header,
/// then payload).
///
/// Reads the fixed part with [`parse_fixed`], checks that `bytes` hold the
/// whole header its data offset announces, and decodes the options (bytes 20
/// up to the header's length) with [`parse_options`].
///
/// # Errors
///
/// [`HeaderError::TooShort`] and [`HeaderError::BadDataOffset`] from
/// [`parse_fixed`]; [`HeaderError::Truncated`] if `bytes` end before the
/// header does; [`HeaderError::BadOption`] from [`parse_options`].
pub fn parse(bytes: &[u8]) -> Result<TcpHeader, HeaderError> {
    // TODO: parse the fixed part; check that `bytes` hold all `header_len()`
    // bytes (Truncated if not); decode the options, bytes 20..header_len.
    todo!(
        "parse the TCP header at the start of {} bytes: {bytes:02x?} (book: ch1/tcp-header.md)",
        bytes.len()
    )
}

/// Reads the 20 fixed bytes at the start of `bytes` (anything after them is
/// ignored) into a [`TcpHeader`] whose `options` are empty.
///
/// Numbers are big-endian (network byte order). Byte 12 holds the data offset
/// in its top 4 bits (its low 4 bits are reserved and ignored); byte 13 holds
/// the flags, decoded by [`Flags::from_byte`].
///
/// ```text
/// bytes  0..2   source port            2..4   destination port
///        4..8   sequence number
///        8..12  acknowledgment number
///       12      data offset (top 4 bits)  13  flags  14..16  window
///       16..18  checksum              18..20  urgent pointer
/// ```
///
/// # Errors
///
/// [`HeaderError::TooShort`] with `len: bytes.len()` if there are fewer than
/// 20 bytes; [`HeaderError::BadDataOffset`] if the data offset is below 5.
pub fn parse_fixed(bytes: &[u8]) -> Result<TcpHeader, HeaderError> {
    // TODO: check the length first (TooShort), then the data offset, the top
    // 4 bits of byte 12 (BadDataOffset below 5); read each field big-endian
    // (u16::from_be_bytes, u32::from_be_bytes); leave `options` empty.
    todo!("read the 20 fixed bytes of the header in {bytes:02x?} (book: ch1/tcp-header.md)")
}
// ANCHOR_END: parse

// ANCHOR: flags
impl Flags {
    /// Decodes byte 13 of a header: each flag is one bit, CWR the highest
    /// (`0x80`) and FIN the lowest (`0x01`):
    ///
    /// ```text
    ///  0x80  0x40  0x20  0x10  0x08  0x04  0x02  0x01
    ///  CWR   ECE   URG   ACK   PSH   RST   SYN   FIN
    /// ```
    pub fn from_byte(byte: u8) -> Flags {
        // TODO: one bool per bit: a flag is set when `byte & its_bit != 0`.
        todo!("decode the flag bits of byte {byte:#04x} = {byte:#010b} (book: ch1/tcp-header.md)")
    }
}
// ANCHOR_END: flags

// ANCHOR: options
/// Decodes the options area: the header's bytes from 20 up to its length.
///
/// Walks it option by option, from its first byte:
/// - kind 0 (end of option list) is one byte: push
///   [`TcpOption::EndOfOptionList`] and stop; what follows is padding,
///   not read;
/// - kind 1 (no operation) is one byte: push [`TcpOption::NoOperation`];
/// - any other kind is followed by a length byte that counts the whole
///   option (kind, length and data): check it, then hand the data (the
///   `length - 2` bytes after the length byte) to [`decode_option`].
///
/// # Errors
///
/// [`HeaderError::BadOption`] for the first malformed option, with its kind
/// and its position `at` counted from the start of the header (the first
/// byte of `options` is byte 20): [`OptionProblem::NoLength`] if the kind
/// byte is the last one; [`OptionProblem::LengthTooSmall`] for a length
/// below 2; [`OptionProblem::PastEnd`] if the option would run past the end
/// of `options`; and whatever [`decode_option`] reports.
pub fn parse_options(options: &[u8]) -> Result<Vec<TcpOption>, HeaderError> {
    // TODO: walk the bytes with an index: kind 0 ends the walk, kind 1 is one
    // byte, any other kind has a length byte to check before you slice with it
    // (NoLength, LengthTooSmall, PastEnd); its data goes to `decode_option`.
    todo!("decode the options {options:02x?} (book: ch1/tcp-header.md)")
}

/// Decodes one option of `kind` 2 or more, given its `data`: the bytes after
/// its kind and length bytes (so `data.len()` is the length byte minus 2).
/// `at` is where its kind byte is in the header, for the error.
///
/// Known kinds: 2 → [`TcpOption::MaximumSegmentSize`] (length 4),
/// 3 → [`TcpOption::WindowScale`] (3), 4 → [`TcpOption::SackPermitted`] (2),
/// 5 → [`TcpOption::Sack`] (2 + 8 per block, at least one block),
/// 8 → [`TcpOption::Timestamps`] (10). Any other kind is
/// [`TcpOption::Unknown`], with its data whatever its length.
///
/// # Errors
///
/// [`HeaderError::BadOption`] with [`OptionProblem::WrongLength`] when a kind
/// of fixed length comes with another, and [`OptionProblem::BadSackLength`]
/// when a SACK's data is not a whole, non-zero number of 8-byte blocks.
pub fn decode_option(kind: u8, data: &[u8], at: usize) -> Result<TcpOption, HeaderError> {
    // TODO: check the length of each known kind (WrongLength, BadSackLength),
    // then read its data big-endian; an unknown kind keeps its data as it is.
    todo!(
        "decode the option of kind {kind} at byte {at} with data {data:02x?} (book: ch1/tcp-header.md)"
    )
}
// ANCHOR_END: options

// ANCHOR: display
/// One line in the style of `tcpdump -nn -S`, without the IP addresses:
/// `32872 > 8888 [S] seq 3059673263 win 65495 options [mss 65495,…]`.
/// The acknowledgment number is shown only with the ACK flag, the urgent
/// pointer only with URG, and the options only if there are some.
impl fmt::Display for TcpHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} > {} [{}] seq {}",
            self.source_port, self.destination_port, self.flags, self.sequence_number
        )?;
        if self.flags.ack {
            write!(f, " ack {}", self.acknowledgment_number)?;
        }
        write!(f, " win {}", self.window)?;
        if self.flags.urg {
            write!(f, " urg {}", self.urgent_pointer)?;
        }
        if !self.options.is_empty() {
            let shown: Vec<String> = self
                .options
                .iter()
                .map(|option| option.to_string())
                .collect();
            write!(f, " options [{}]", shown.join(","))?;
        }
        Ok(())
    }
}

/// tcpdump's letters, in tcpdump's order: `F` FIN, `S` SYN, `R` RST, `P` PSH,
/// `.` ACK, `U` URG, `E` ECE, `W` CWR; `none` when no flag is set.
/// A SYN-ACK is `S.`, a FIN-ACK `F.`.
impl fmt::Display for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letters = [
            (self.fin, 'F'),
            (self.syn, 'S'),
            (self.rst, 'R'),
            (self.psh, 'P'),
            (self.ack, '.'),
            (self.urg, 'U'),
            (self.ece, 'E'),
            (self.cwr, 'W'),
        ];
        let mut shown: String = letters
            .iter()
            .filter(|(set, _)| *set)
            .map(|(_, letter)| *letter)
            .collect();
        if shown.is_empty() {
            shown.push_str("none");
        }
        f.write_str(&shown)
    }
}

/// tcpdump's names: `eol`, `nop`, `mss 1460`, `wscale 7`, `sackOK`,
/// `sack 2 {100:200}{300:400}`, `TS val 1 ecr 0`, and `unknown-254 abcd`
/// for the others (kind, then the data in hex).
impl fmt::Display for TcpOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TcpOption::EndOfOptionList => write!(f, "eol"),
            TcpOption::NoOperation => write!(f, "nop"),
            TcpOption::MaximumSegmentSize(mss) => write!(f, "mss {mss}"),
            TcpOption::WindowScale(shift) => write!(f, "wscale {shift}"),
            TcpOption::SackPermitted => write!(f, "sackOK"),
            TcpOption::Sack(blocks) => {
                write!(f, "sack {} ", blocks.len())?;
                for (left, right) in blocks {
                    write!(f, "{{{left}:{right}}}")?;
                }
                Ok(())
            }
            TcpOption::Timestamps { value, echo_reply } => {
                write!(f, "TS val {value} ecr {echo_reply}")
            }
            TcpOption::Unknown { kind, data } => {
                write!(f, "unknown-{kind} ")?;
                data.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
            }
        }
    }
}
// ANCHOR_END: display
