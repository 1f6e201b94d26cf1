//! Tests of the exercise `copy-dir` (to be written).
