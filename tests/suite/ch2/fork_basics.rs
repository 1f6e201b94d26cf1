//! Tests of the exercise `fork-basics` (to be written).
