//! # Exercise `bank-transfer`: transfers without deadlock (book: ch2/bank-transfer.md)
//!
//! The seed's deadlock (死锁) demonstration (§2.3.5), turned around: a bank
//! whose accounts each have their own lock (互斥锁, a `Mutex`), and a transfer
//! that holds both accounts' locks while it moves the money, and yet can
//! never deadlock, however many threads transfer in whichever direction.
//!
//! - [`Bank`]: the accounts (given: [`Bank::new`], [`Bank::len`],
//!   [`Bank::balance`], [`Bank::freeze`]).
//! - [`Bank::transfer`]: move money from one account to another, all or
//!   nothing, locking in one global order.
//! - [`Bank::total`]: the sum of all balances, as one consistent snapshot.

use std::sync::{Mutex, MutexGuard, PoisonError};

// ANCHOR: bank
/// A bank: a fixed list of accounts, numbered from 0, each holding a balance
/// (never negative) behind its own lock. Two transfers between different
/// accounts run at the same time; two that share an account take turns.
#[derive(Debug)]
pub struct Bank {
    accounts: Vec<Mutex<i64>>,
}

/// An account frozen by [`Bank::freeze`]: its lock is held until this is
/// dropped. Its balance can be read, not changed.
#[derive(Debug)]
pub struct Frozen<'a>(MutexGuard<'a, i64>);

impl Frozen<'_> {
    /// The frozen account's balance.
    pub fn balance(&self) -> i64 {
        *self.0
    }
}
// ANCHOR_END: bank

// ANCHOR: error
/// Why a transfer was refused. A refused transfer moved nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    /// There is no account with this number.
    #[error("there is no account {0}")]
    UnknownAccount(usize),
    /// The source and the destination are the same account.
    #[error("account {0} cannot transfer to itself")]
    SameAccount(usize),
    /// The amount is zero or negative (a negative transfer would take money
    /// from the destination).
    #[error("the amount must be positive, not {0}")]
    InvalidAmount(i64),
    /// The source holds less than the amount.
    #[error("account {account} holds {balance}, less than {amount}")]
    InsufficientFunds {
        account: usize,
        balance: i64,
        amount: i64,
    },
}
// ANCHOR_END: error

impl Bank {
    // ANCHOR: new
    /// A bank with one account per balance, numbered in order from 0.
    ///
    /// Panics if a balance is negative or if their sum does not fit an
    /// `i64`: a caller's mistake, not something a transfer can cause.
    pub fn new(balances: &[i64]) -> Bank {
        assert!(
            balances.iter().all(|&b| b >= 0),
            "a starting balance is negative: {balances:?}"
        );
        let fits = balances.iter().try_fold(0i64, |sum, &b| sum.checked_add(b));
        assert!(fits.is_some(), "the balances add up to more than i64::MAX");
        Bank {
            accounts: balances.iter().map(|&b| Mutex::new(b)).collect(),
        }
    }

    /// How many accounts the bank has.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Whether the bank has no account at all.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// The balance of `account`, or `None` if there is no such account. It
    /// locks that one account for a moment.
    pub fn balance(&self, account: usize) -> Option<i64> {
        self.accounts.get(account).map(|a| *lock(a))
    }

    /// Freezes `account` for an audit: locks it until the returned guard is
    /// dropped, or returns `None` if there is no such account. Meanwhile a
    /// transfer that touches it, and [`Bank::total`], wait; the others go on.
    ///
    /// Lock in the same order as everyone else: a thread that holds a
    /// frozen account must not freeze, or transfer from, a lower one.
    pub fn freeze(&self, account: usize) -> Option<Frozen<'_>> {
        self.accounts.get(account).map(|a| Frozen(lock(a)))
    }
    // ANCHOR_END: new

    // ANCHOR: transfer
    /// Moves `amount` from account `from` to account `to`, all or nothing:
    /// both balances change together, or neither does.
    ///
    /// Errors, checked before anything is locked or moved, in this order:
    /// [`TransferError::InvalidAmount`] (`amount <= 0`),
    /// [`TransferError::UnknownAccount`] (`from`, then `to`),
    /// [`TransferError::SameAccount`] (`from == to`); then, with the locks
    /// held, [`TransferError::InsufficientFunds`] when `from` holds less than
    /// `amount`.
    ///
    /// Never deadlocks, whatever other threads transfer at the same time:
    /// it locks the two accounts in one global order, the lower number first.
    pub fn transfer(&self, from: usize, to: usize, amount: i64) -> Result<(), TransferError> {
        // TODO: check the amount and both account numbers, and refuse
        // from == to, before locking anything. Then lock BOTH accounts in
        // one global order (which one first?), check the funds, and move.
        todo!(
            "move {amount} from account {from} to account {to} without any chance of \
             deadlock (book: ch2/bank-transfer.md)"
        )
    }
    // ANCHOR_END: transfer

    // ANCHOR: total
    /// The sum of all balances at one moment: every account is locked, in
    /// the same order as [`Bank::transfer`] locks them (by number), before
    /// any balance is read, so no transfer is half-seen. While transfers
    /// run, the total never changes.
    pub fn total(&self) -> i64 {
        // TODO: lock every account, in the same order as transfer does,
        // keeping every guard; only then add up the balances.
        todo!(
            "add up the balances of all {} accounts as one snapshot (book: ch2/bank-transfer.md)",
            self.accounts.len()
        )
    }
    // ANCHOR_END: total
}

// ANCHOR: lock
/// Locks one account. A lock is *poisoned* when a thread panicked while
/// holding it; our balances are never left half-changed (each transfer
/// checks first, then changes both at once), so the value is still good and
/// we take it.
fn lock(account: &Mutex<i64>) -> MutexGuard<'_, i64> {
    account.lock().unwrap_or_else(PoisonError::into_inner)
}
// ANCHOR_END: lock
