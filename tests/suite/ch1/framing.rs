//! Tests of the exercise `framing` (to be written).
