//! Tests of the exercise `split-file` (to be written).
