//! Tests of the exercise `chat-protocol` (to be written).
