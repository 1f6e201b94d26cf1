//! Tests of the exercise `prime-sum` (to be written).
