//! Tests of the exercise `udp-dict` (to be written).
