//! Tests of the exercise `process-queue` (to be written).
