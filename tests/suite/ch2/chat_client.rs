//! Tests of the exercise `chat-client` (to be written).
