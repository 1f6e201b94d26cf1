//! Tests of the exercise `epoll-server` (book: ch3/epoll-server.md): the
//! chapter's conformance tests for the line echo, as a concurrent model,
//! level-triggered and edge-triggered (`--edge`).

use super::line_echo::{self, Kind, Model, line_echo_conformance};

const LEVEL: Model = Model::new(&["epoll-server"], Kind::Concurrent);
const EDGE: Model = Model::new(&["epoll-server", "--edge"], Kind::Concurrent);

mod level {
    use super::*;
    line_echo_conformance!(concurrent, LEVEL);
}

mod edge {
    use super::*;
    line_echo_conformance!(concurrent, EDGE);
}
