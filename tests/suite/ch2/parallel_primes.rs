//! Tests of the exercise `parallel-primes` (to be written).
