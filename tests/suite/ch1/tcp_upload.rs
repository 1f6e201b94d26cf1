//! Tests of the exercise `tcp-upload` (to be written).
