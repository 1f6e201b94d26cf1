//! Tests of the exercise `ticket-counter`: windows that sell from one stock
//! in a `Mutex` (book: ch2/ticket-counter.md).
//!
//! The race of the seed (check that a ticket is left, then take it, under
//! two locks) shows up once in many runs at best, so it is not hunted by
//! running many times: it is forced. The test's own stock ([`Watched`])
//! sees each call of `left()` and `take()`, under the lock the window
//! holds. At the window's check, it starts a second window of its own that
//! asks for the lock, and waits until the kernel says that this second
//! window sleeps on it ([`wait_until_blocked`]). At the window's take, it
//! asks whether the second window was woken in between (it has got the
//! lock, or it is awake, or it has gone to sleep once more:
//! [`Tid::sleeps`]). Only an unlock wakes it, so the answer is the same in
//! every run: no luck involved. The same probe, started at a take and read
//! at the next check, tells a window that keeps the lock from one sale to
//! the next.
//!
//! Windows started and joined one by one (the first sells everything, the
//! others find the stock empty) are caught the same way, with no luck
//! either: at the first take, the test's stock waits until another window
//! of `sell_all` sleeps on the same lock ([`Plan::Together`]). A window that
//! is joined right after it is started waits alone: the kernel says that
//! `sell_all`'s thread is joining it ([`Tid::joins`]) while no other thread
//! of `sell_all` exists ([`threads`], [`Tid::name`]).

use netkit_tests::harness::blocked::BlockedAt;
use netkit_tests::harness::server::panic_text;
use netkit_tests::harness::{
    Liveness, Report, TIMEOUT, Task, Tid, spawn_watched, threads, wait_until_blocked, watchdog,
};
use netkit_tests::kit::ch2::ticket_counter::{self as kit, Roll, Stock};
use rstest::rstest;
use std::cell::RefCell;
use std::panic::catch_unwind;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// A bound on one call to `sell_all`: milliseconds when it works.
const LIMIT: Duration = Duration::from_secs(5);

/// How many times each case of the plain sales runs.
const RUNS: usize = 20;

/// The windows' sales, shown short, for failure messages.
fn show_sales(sales: &[Vec<usize>]) -> String {
    let shown: Vec<String> = sales
        .iter()
        .enumerate()
        .take(8)
        .map(|(w, sold)| {
            let first: Vec<String> = sold.iter().take(6).map(usize::to_string).collect();
            let more = if sold.len() > 6 { ", …" } else { "" };
            format!(
                "window {w}: [{}{more}] ({} tickets)",
                first.join(", "),
                sold.len()
            )
        })
        .collect();
    let more = if sales.len() > 8 { "; …" } else { "" };
    format!("{}{more}", shown.join("; "))
}

/// Checks the sales of `windows` windows from a roll of `tickets`.
#[track_caller]
fn check_sales(tickets: usize, windows: usize, sent: &str, sales: &[Vec<usize>]) {
    let fail = |expected: String, cause: &str| -> ! {
        Report::sent(sent)
            .expected(expected)
            .got(show_sales(sales))
            .cause(cause)
            .fail()
    };
    if sales.len() != windows {
        fail(
            format!("{windows} lists of sales, one per window"),
            "join every window's thread, in the order they were started, and collect what \
             each returns",
        );
    }
    if let Some(w) = sales
        .iter()
        .position(|s| s.windows(2).any(|p| p[0] >= p[1]))
    {
        fail(
            format!("window {w}'s tickets in the order it sold them (ever higher numbers)"),
            "a roll hands its tickets out in order, so each window's own sales go up",
        );
    }
    let mut all: Vec<usize> = sales.iter().flatten().copied().collect();
    all.sort_unstable();
    if all != (1..=tickets).collect::<Vec<_>>() {
        fail(
            format!("tickets 1 to {tickets}, each sold exactly once"),
            "more than `tickets`: a ticket was taken after another window's check (check and \
             take under ONE guard); fewer: a window stopped before the stock was empty",
        );
    }
}

#[rstest]
#[case::one_window(20, 1)]
#[case::one_ticket_many_windows(1, 8)]
#[case::an_empty_stock(0, 4)]
#[case::more_windows_than_tickets(3, 10)]
#[case::a_few_windows(100, 4)]
#[case::many_tickets_many_windows(10_000, 8)]
fn every_ticket_is_sold_exactly_once(#[case] tickets: usize, #[case] windows: usize) {
    for run in 0..RUNS {
        let sent = format!(
            "sell_all(&Mutex::new(Roll::new({tickets})), {windows}), run {} of {RUNS}",
            run + 1
        );
        let (sales, left) = watchdog(LIMIT, &sent, move || {
            let roll = Mutex::new(Roll::new(tickets));
            let sales = kit::sell_all(&roll, windows);
            (sales, roll.into_inner().map(|r| r.left()))
        });
        check_sales(tickets, windows, &sent, &sales);
        if left.as_ref().ok() != Some(&0) {
            Report::sent(&sent)
                .expected("the roll empty afterwards, and its lock not poisoned")
                .got(format!("{left:?}"))
                .cause("every window sells until it finds the stock empty")
                .fail();
        }
    }
}

#[test]
fn refuses_to_sell_without_windows() {
    let outcome = watchdog(LIMIT, "sell_all with 0 windows", || {
        let roll = Mutex::new(Roll::new(10));
        catch_unwind(|| kit::sell_all(&roll, 0)).map_err(|payload| panic_text(&*payload))
    });
    match outcome {
        Err(message) if message.contains("at least one window") => {}
        other => Report::sent("sell_all(&Mutex::new(Roll::new(10)), 0)")
            .expected("a panic whose message says selling needs \"at least one window\"")
            .got(match other {
                Ok(sales) => format!("it returned {}", show_sales(&sales)),
                Err(message) => format!("the panic {message:?}"),
            })
            .cause("check `windows` first: assert!(windows > 0, \"… at least one window\")")
            .fail(),
    }
}

// --- forced interleavings: the test's own stock, and a second window ----------

/// When the test's stock starts its second window, and when it judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// Start it at the first check that finds a ticket; judge at the take
    /// that follows: the lock must NOT have been released in between.
    CheckToTake,
    /// Start it at the first take; judge at the next check: the lock MUST
    /// have been released in between.
    SaleToSale,
    /// Start it at the first take, and wait there, holding the lock, until
    /// another window of `sell_all` sleeps on that lock too: the windows
    /// must all be started before any is joined.
    Together,
    /// Only count: no second window.
    Count,
}

/// The second window: a thread of the test that asks for the lock.
struct Contender {
    /// Its work: lock the stock and, as another window would, take a
    /// ticket if one is left. Its value: the ticket it took.
    task: Task<Option<usize>>,
    tid: Tid,
    /// Where it slept, and how often it had slept, once it was seen asleep.
    at: BlockedAt,
    sleeps: Option<u64>,
}

impl Contender {
    /// Starts the second window while the caller holds the lock of `home`,
    /// and returns once the kernel says that it sleeps waiting for it.
    fn start(home: &'static Mutex<Watched>) -> Contender {
        let (task, tid) = spawn_watched("the test's second window", move || {
            let mut stock = home.lock().unwrap_or_else(PoisonError::into_inner);
            (stock.left > 0).then(|| stock.take_quietly())
        });
        if let Err(e) = wait_until_blocked(&task, tid) {
            panic!(
                "the test's second window should wait for the lock the window holds while it \
                 calls left() or take(), but it did not: {e}"
            );
        }
        // Two looks in a row with the same count: it is fully asleep (the
        // count goes up as it goes to sleep, a moment after its state says so).
        let mut sleeps = tid.sleeps();
        loop {
            std::thread::park_timeout(Duration::from_millis(2));
            let again = tid.sleeps();
            if again == sleeps && tid.is_blocked() {
                break;
            }
            sleeps = again;
        }
        Contender {
            at: tid.blocked_at(),
            sleeps,
            task,
            tid,
        }
    }

    /// Whether the lock was free at some moment since [`Contender::start`]:
    /// only an unlock wakes a thread asleep on a `Mutex`.
    fn lock_was_released(&self) -> bool {
        self.task.check().is_err()
            || self.tid.blocked_at() != self.at
            || self.tid.sleeps() != self.sleeps
    }
}

/// The name of the thread that calls `sell_all` in [`Plan::Together`]
/// (at most 15 bytes, as the kernel keeps it). `thread::scope`'s threads
/// inherit it, which tells them from the threads of the other tests.
const CALLER: &str = "ticket windows";

/// What the test's stock saw.
#[derive(Default)]
struct Seen {
    /// The thread that called `sell_all`.
    caller: Option<Tid>,
    contender: Option<Contender>,
    judged: bool,
    /// What the judge found wrong, if anything.
    verdict: Option<String>,
    /// Takes from an empty stock.
    oversold: usize,
}

impl Seen {
    /// Judges once, when the second window is there: the lock should have
    /// been released since it started (`released`), or not; `complaint`
    /// when it went the other way.
    fn judge(&mut self, released: bool, complaint: &str) {
        let Some(contender) = &self.contender else {
            return;
        };
        if self.judged {
            return;
        }
        self.judged = true;
        if contender.lock_was_released() != released {
            self.verdict = Some(complaint.to_string());
        }
    }
}

/// Waits, while the calling window holds the lock, until another window of
/// `sell_all` (not the test's second window, not `caller`) sleeps on the
/// lock the second window sleeps on; a complaint if none does. It ends at
/// once when `caller` is joining this window and no other thread of
/// `sell_all` exists (threads named as `caller`, as unnamed windows are):
/// none will, as `caller` starts nothing more until this window ends.
/// Bounded by [`TIMEOUT`].
fn wait_for_another_window(contender: &Contender, caller: Tid) -> Result<(), String> {
    let me = Tid::current();
    let name = caller.name();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let others: Vec<Tid> = threads()
            .into_iter()
            .filter(|t| ![me, contender.tid, caller].contains(t))
            .collect();
        let waits_here = |t: &Tid| match contender.at {
            // Only threads that lock this very stock sleep on its futex.
            BlockedAt::Futex(_) => t.blocked_at() == contender.at,
            // Where the kernel does not say on what: a thread of
            // `sell_all`'s, asleep.
            _ => t.is_blocked() && name.is_some() && t.name() == name,
        };
        if others.iter().any(waits_here) {
            return Ok(());
        }
        // Only when this window carries the inherited name: windows that
        // `sell_all` named itself cannot be told from other tests' threads,
        // and then only the deadline decides (a correct sell_all never
        // reaches it).
        let unnamed_windows = name.is_some() && me.name() == name;
        if caller.joins(me) && unnamed_windows && !others.iter().any(|t| t.name() == name) {
            return Err(
                "while the first window sold its first ticket, holding the lock, sell_all's \
                 thread was already waiting in join() for that window to end, and no other \
                 window had been started"
                    .to_string(),
            );
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "while the first window sold its first ticket, holding the lock, no other \
                 window asked for the lock within {} s",
                TIMEOUT.as_secs()
            ));
        }
        std::thread::park_timeout(Duration::from_millis(1));
    }
}

/// The test's stock: tickets `1..=tickets`, and eyes on every call.
struct Watched {
    left: usize,
    next: usize,
    plan: Plan,
    /// The mutex this stock lives in, for the second window.
    home: &'static OnceLock<Mutex<Watched>>,
    seen: RefCell<Seen>,
}

impl Watched {
    /// A stock of `tickets` in a mutex of its own (leaked: a few bytes per test).
    fn new(tickets: usize, plan: Plan) -> &'static Mutex<Watched> {
        let home: &'static OnceLock<Mutex<Watched>> = Box::leak(Box::new(OnceLock::new()));
        let stock = Watched {
            left: tickets,
            next: 1,
            plan,
            home,
            seen: RefCell::default(),
        };
        if home.set(Mutex::new(stock)).is_err() {
            unreachable!("a new OnceLock is empty");
        }
        home.get().expect("just set")
    }

    fn home(&self) -> &'static Mutex<Watched> {
        self.home.get().expect("set in Watched::new")
    }

    /// A take without the eyes (the second window's).
    fn take_quietly(&mut self) -> usize {
        if self.left == 0 {
            self.seen.borrow_mut().oversold += 1;
            return 0;
        }
        self.left -= 1;
        self.next += 1;
        self.next - 1
    }
}

impl Stock for Watched {
    fn left(&self) -> usize {
        let mut seen = self.seen.borrow_mut();
        match self.plan {
            Plan::CheckToTake if seen.contender.is_none() && self.left > 0 => {
                seen.contender = Some(Contender::start(self.home()));
            }
            Plan::SaleToSale => seen.judge(
                true,
                "the window still held the lock from its take to its next check: the test's \
                 second window never had a chance",
            ),
            _ => {}
        }
        self.left
    }

    fn take(&mut self) -> usize {
        if self.plan == Plan::CheckToTake {
            self.seen.get_mut().judge(
                false,
                "the window let go of the lock between its check (left() = 1) and its take: the \
                 test's second window, asleep on that lock, was woken in between",
            );
        }
        if self.plan == Plan::Together && self.seen.get_mut().contender.is_none() {
            let contender = Contender::start(self.home());
            let seen = self.seen.get_mut();
            let caller = seen.caller.expect("sell_watched names the caller first");
            seen.verdict = wait_for_another_window(&contender, caller).err();
            seen.contender = Some(contender);
        }
        let ticket = self.take_quietly();
        if self.plan == Plan::SaleToSale && self.seen.get_mut().contender.is_none() {
            let contender = Contender::start(self.home());
            self.seen.get_mut().contender = Some(contender);
        }
        ticket
    }
}

/// Runs `sell_all` on a [`Watched`] stock under the watchdog; the sales,
/// and what the stock saw (the second window joined).
fn sell_watched(
    tickets: usize,
    windows: usize,
    plan: Plan,
) -> (Vec<Vec<usize>>, Option<String>, usize, Option<usize>) {
    let stock = Watched::new(tickets, plan);
    let what = format!("sell_all on the test's stock of {tickets}, {windows} windows");
    let sell = move || {
        let mut guard = stock.lock().unwrap_or_else(PoisonError::into_inner);
        guard.seen.get_mut().caller = Some(Tid::current());
        drop(guard);
        kit::sell_all(stock, windows)
    };
    let sales = watchdog(LIMIT, &what, move || {
        if plan != Plan::Together {
            return sell();
        }
        // A name of its own, which the windows inherit (see `CALLER`).
        let caller = std::thread::Builder::new()
            .name(CALLER.to_string())
            .spawn(sell)
            .expect("the OS refused to start a thread");
        caller
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    let mut guard = stock.lock().unwrap_or_else(PoisonError::into_inner);
    let seen = std::mem::take(guard.seen.get_mut());
    drop(guard);
    let second = seen.contender.map(|c| c.task.join()).unwrap_or(None);
    (sales, seen.verdict, seen.oversold, second)
}

#[test]
fn a_window_holds_the_lock_from_its_check_to_its_take() {
    let (sales, verdict, oversold, second) = sell_watched(1, 1, Plan::CheckToTake);
    let sent = "sell_all(stock of 1 ticket, 1 window); while the window checked left() under \
                its lock, the test started a second window asking for the same lock";
    if verdict.is_some() || oversold > 0 || sales != [vec![1]] {
        Report::sent(sent)
            .expected(
                "the window takes ticket 1 before anyone else gets the lock; the second \
                 window then finds the stock empty",
            )
            .got(format!(
                "{}; sales {}; takes from an empty stock: {oversold}; the second window took \
                 {second:?}",
                verdict.as_deref().unwrap_or("no complaint"),
                show_sales(&sales)
            ))
            .cause(
                "the check and the take are under two locks (`stock.lock()` twice, or a \
                 `while stock.lock().unwrap().left() > 0` whose guard is gone before the \
                 body): in between, another window can take the last ticket. Keep ONE guard \
                 from left() to take()",
            )
            .fail();
    }
}

#[test]
fn a_window_lets_go_of_the_lock_after_each_sale() {
    let (sales, verdict, oversold, second) = sell_watched(2, 1, Plan::SaleToSale);
    let sent = "sell_all(stock of 2 tickets, 1 window); while the window took ticket 1 under \
                its lock, the test started a second window asking for the same lock";
    let sold: usize = sales.iter().map(Vec::len).sum::<usize>() + usize::from(second.is_some());
    if let Some(verdict) = verdict {
        Report::sent(sent)
            .expected("the lock free for a moment after the sale, before the window's next check")
            .got(format!("{verdict}; sales {}", show_sales(&sales)))
            .cause(
                "the window locks once and keeps the guard for its whole loop: then the other \
                 windows wait until it has sold everything. Take the guard inside the loop, \
                 one per sale",
            )
            .fail();
    }
    if oversold > 0 || sold != 2 {
        Report::sent(sent)
            .expected("the 2 tickets sold once each, by the window or the test's second window")
            .got(format!(
                "sales {}; the second window took {second:?}; takes from an empty stock: \
                 {oversold}",
                show_sales(&sales)
            ))
            .cause("check left() and take() under one guard, once per sale")
            .fail();
    }
}

#[test]
fn many_windows_never_take_from_an_empty_stock() {
    for run in 0..RUNS {
        let (sales, _, oversold, _) = sell_watched(500, 8, Plan::Count);
        let sent = format!(
            "sell_all(stock of 500 tickets, 8 windows), run {} of {RUNS}",
            run + 1
        );
        if oversold > 0 {
            Report::sent(&sent)
                .expected("no take() once the stock is empty")
                .got(format!(
                    "{oversold} takes from an empty stock; sales {}",
                    show_sales(&sales)
                ))
                .cause("a window checked, let go of the lock, and took later: check and take under one guard")
                .fail();
        }
        check_sales(500, 8, &sent, &sales);
    }
}

#[test]
fn every_window_is_started_before_any_is_joined() {
    let (sales, verdict, oversold, second) = sell_watched(3, 3, Plan::Together);
    let sent = "sell_all(stock of 3 tickets, 3 windows); at the first take, the test's stock \
                waited, holding the lock, for another window to ask for it";
    if let Some(verdict) = verdict {
        Report::sent(sent)
            .expected(
                "the 3 windows started at once: while one sells, the others wait for the lock",
            )
            .got(format!("{verdict}; sales {}", show_sales(&sales)))
            .cause(
                "the windows are started and joined one by one (`scope.spawn(…).join()` in \
                 the loop, or a `.map(|h| h.join())` on the same lazy iterator, before \
                 `collect`): each is joined before the next is started, so they never sell \
                 at the same time and the first sells everything. Start every window first \
                 (collect the handles), then join them in order",
            )
            .fail();
    }
    let sold: usize = sales.iter().map(Vec::len).sum::<usize>() + usize::from(second.is_some());
    if oversold > 0 || sold != 3 || sales.len() != 3 {
        Report::sent(sent)
            .expected(
                "3 lists of sales, and the 3 tickets sold once each, by the windows or the \
                 test's second window",
            )
            .got(format!(
                "sales {}; the second window took {second:?}; takes from an empty stock: \
                 {oversold}",
                show_sales(&sales)
            ))
            .cause(
                "check left() and take() under one guard, once per sale, until the stock is empty",
            )
            .fail();
    }
}
