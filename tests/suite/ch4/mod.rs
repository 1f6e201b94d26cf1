//! Chapter 4: HTTP and web servers.

mod http_request;
mod http_response;
mod serve_image;
mod web_server;
