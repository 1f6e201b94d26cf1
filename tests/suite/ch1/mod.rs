//! Chapter 1: sockets.

mod chatbot;
mod framing;
mod tcp_header;
mod tcp_upload;
mod udp_dict;
mod upload_header;
