//! Tests of the exercise `alternate` (to be written).
