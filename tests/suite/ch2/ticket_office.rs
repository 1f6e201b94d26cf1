//! Tests of the exercise `ticket-office` (to be written).
