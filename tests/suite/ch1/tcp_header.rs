//! Tests of the exercise `tcp-header` (to be written).
