//! Chapter 1: sockets.
//!
//! - [`udp_dict`]: look words up in a SQLite dictionary over UDP.
//! - [`upload_header`]: the upload's header line, and the rules of a safe file name.
//! - [`tcp_upload`]: upload a file over TCP; the end is the closed write half.
//! - [`framing`]: length-prefixed messages over a byte stream (粘包).
//! - [`chatbot`]: a question-and-answer server for many clients at once.
//! - [`tcp_header`]: parse a TCP header from raw bytes.

pub mod chatbot;
pub mod framing;
pub mod tcp_header;
pub mod tcp_upload;
pub mod udp_dict;
pub mod upload_header;
