//! Tests of the exercise `reaper` (to be written).
