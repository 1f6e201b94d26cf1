//! # Exercise `c10k`: ten thousand connections (book: ch5/c10k.md)
//!
//! TODO(helper): the exercise's summary.

use std::io;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// A site held in memory: each regular file under a folder, by its URL path
/// (`/index.html`, `/img/logo.png`), with its `Content-Type`.
#[derive(Debug, Clone, Default)]
pub struct Site {
    // TODO(helper): the fields.
}

impl Site {
    /// Reads every regular file under `root` (symbolic links are skipped)
    /// into memory. `/` is served as `/index.html`.
    pub fn load(root: &Path) -> io::Result<Site> {
        todo!("c10k: Site::load({root:?}) (book: ch5/c10k.md)")
    }
}

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// Connections held at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// A connection idle for this long is closed.
    pub idle: Duration,
}

/// Serves `site` on `listener`, in this thread, until an error of the
/// listener or of the poll. One event loop (mio); keep-alive; pipelined
/// requests answered in order; an idle connection holds no buffer.
pub fn serve(listener: TcpListener, site: Arc<Site>, config: &Config) -> io::Result<()> {
    todo!("c10k: serve {listener:?} {site:?} {config:?} (book: ch5/c10k.md)")
}
