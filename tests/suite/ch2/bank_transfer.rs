//! Tests of the exercise `bank-transfer` (to be written).
