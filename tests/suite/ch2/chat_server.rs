//! Tests of the exercise `chat-server` (to be written).
