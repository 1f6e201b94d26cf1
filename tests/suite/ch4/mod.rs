//! Chapter 4: HTTP and web servers.

mod http_request;
mod http_response;
mod web_server;
