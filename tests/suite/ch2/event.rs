//! Tests of the exercise `event` (to be written).
