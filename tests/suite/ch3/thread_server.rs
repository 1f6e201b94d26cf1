//! Tests of the exercise `thread-server` (book: ch3/thread-server.md): the
//! chapter's conformance tests for the line echo, as a concurrent model.

use super::line_echo::{Kind, Model, line_echo_conformance};

const MODEL: Model = Model::new(&["thread-server"], Kind::Concurrent);

line_echo_conformance!(concurrent, MODEL);
