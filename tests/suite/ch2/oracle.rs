//! Answers that do not depend on the code under test, shared by the tests
//! of several exercises.

/// The sum of the primes below `limit`, by the sieve of Eratosthenes: an
/// independent way to the answer `prime_sum` and its parallel versions give.
pub fn sieve_sum(limit: u64) -> u64 {
    let n = limit as usize;
    let mut composite = vec![false; n];
    let mut sum = 0;
    for i in 2..n {
        if !composite[i] {
            sum += i as u64;
            let mut multiple = i * i;
            while multiple < n {
                composite[multiple] = true;
                multiple += i;
            }
        }
    }
    sum
}
