//! Chapter 4: HTTP and web servers.
//!
//! - [`http_request`]: an incremental HTTP/1.1 request parser, with its limits and errors.
//! - [`http_response`]: a response built whole: status line, Date, Content-Length, Connection, HEAD.
//! - [`serve_image`]: an image for a browser, one client at a time, with its Content-Type.
//! - [`web_server`]: the static web server, on mio: keep-alive, pipelining, sendfile, the root kept.

pub mod http_request;
pub mod http_response;
pub mod serve_image;
pub mod web_server;
