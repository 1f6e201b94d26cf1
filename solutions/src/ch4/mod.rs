//! Chapter 4: HTTP and web servers.
//!
//! - [`http_request`]: an incremental HTTP/1.1 request parser, with its limits and errors.

pub mod http_request;
