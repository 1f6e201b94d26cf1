//! Tests of the exercise `ticket-office`: tickets sold by many windows, each
//! exactly once, in fair shares (book: ch2/ticket-office.md).
//!
//! Thread scheduling differs from run to run, so each case runs many times;
//! every property checked holds in *every* run of a correct office, whatever
//! the scheduler does (no test here can pass or fail by luck).

use netkit_tests::harness::server::panic_text;
use netkit_tests::harness::{Program, Report, watchdog};
use netkit_tests::kit::ch2::ticket_office::{self as kit, Sale};
use rstest::rstest;
use std::panic::catch_unwind;
use std::time::Duration;

/// How many times each case runs.
const RUNS: usize = 50;

/// A bound on one call to `sell`: it takes milliseconds when it works, and
/// a window left waiting at the barrier is a deadlock, told at once after.
const LIMIT: Duration = Duration::from_secs(3);

/// Calls `sell` under the watchdog.
#[track_caller]
fn sell(tickets: usize, windows: usize) -> Vec<Sale> {
    watchdog(
        LIMIT,
        &format!("selling {tickets} tickets from {windows} windows"),
        move || kit::sell(tickets, windows),
    )
}

/// The first few sales of a log, for failure messages.
fn show_log(sales: &[Sale]) -> String {
    let shown: Vec<String> = sales.iter().take(12).map(Sale::to_string).collect();
    let more = if sales.len() > 12 { ", …" } else { "" };
    format!("[{}{more}] ({} sales)", shown.join(", "), sales.len())
}

/// Checks one log against the whole contract; `run` says which run it was.
#[track_caller]
fn check_log(tickets: usize, windows: usize, run: usize, sales: &[Sale]) {
    let sent = format!("sell({tickets}, {windows}), run {} of {RUNS}", run + 1);
    let fail = |expected: String, cause: &str| -> ! {
        Report::sent(&sent)
            .expected(expected)
            .got(show_log(sales))
            .cause(cause)
            .fail()
    };

    // Exactly once, all of them, in order.
    if sales.len() != tickets {
        fail(
            format!("{tickets} sales, one per ticket"),
            "more sales than tickets: two windows checked `a ticket is left` before either \
             took it (check and take under one lock); fewer: a window stopped early",
        );
    }
    for (index, sale) in sales.iter().enumerate() {
        if sale.ticket != index + 1 {
            fail(
                format!(
                    "sale {index} (from 0) to be ticket T{}: tickets go out in order, \
                     and the log is in selling order",
                    index + 1
                ),
                "a ticket sold twice or skipped, or the log written outside the lock that \
                 hands out the ticket (then two windows can log in the other order)",
            );
        }
        if sale.window == 0 || sale.window > windows {
            fail(
                format!("windows numbered W1 to W{windows}"),
                "windows count from 1, as in the seed's W1 … W10",
            );
        }
    }

    // Fair shares: every window sells tickets/windows, rounded down or up.
    let mut sold_by = vec![0usize; windows];
    for sale in sales {
        sold_by[sale.window - 1] += 1;
    }
    let (fewest, most) = (tickets / windows, tickets.div_ceil(windows));
    if let Some(index) = sold_by.iter().position(|&n| n < fewest || n > most) {
        let shares: Vec<String> = sold_by
            .iter()
            .enumerate()
            .map(|(i, n)| format!("W{} {n}", i + 1))
            .collect();
        Report::sent(&sent)
            .expected(format!(
                "every window to sell {fewest} or {most} tickets (fair shares)"
            ))
            .got(format!(
                "W{} sold {}; all shares: {}",
                index + 1,
                sold_by[index],
                shares.join(", ")
            ))
            .cause(
                "a lock alone promises no fairness: one window can take the lock again and \
                 again. Sell in rounds of one ticket per window, with a Barrier at the end \
                 of each round, and let every window play every round",
            )
            .fail();
    }
}

#[rstest]
#[case::the_seeds_office(500, 10)]
#[case::one_window(20, 1)]
#[case::one_ticket_one_window(1, 1)]
#[case::as_many_tickets_as_windows(10, 10)]
#[case::one_ticket_more_than_windows(11, 10)]
#[case::tickets_that_do_not_share_out_evenly(100, 7)]
#[case::many_windows(128, 32)]
#[case::many_tickets_few_windows(2000, 3)]
fn all_tickets_are_sold_exactly_once_in_fair_shares(
    #[case] tickets: usize,
    #[case] windows: usize,
) {
    for run in 0..RUNS {
        let sales = sell(tickets, windows);
        check_log(tickets, windows, run, &sales);
    }
}

#[rstest]
#[case::one_more_window(9, 10)]
#[case::twice_as_many(5, 10)]
#[case::one_ticket(1, 16)]
fn with_more_windows_than_tickets_each_ticket_is_sold_by_a_different_window(
    #[case] tickets: usize,
    #[case] windows: usize,
) {
    // Fair shares of 0 or 1: the windows that sell are all different.
    for run in 0..RUNS {
        let sales = sell(tickets, windows);
        check_log(tickets, windows, run, &sales);
    }
}

#[test]
fn zero_tickets_are_sold_by_nobody() {
    let sales = sell(0, 5);
    if !sales.is_empty() {
        Report::sent("sell(0, 5)")
            .expected("an empty log")
            .got(show_log(&sales))
            .cause("there is no ticket T1 when there are 0 tickets: check before you take")
            .fail();
    }
}

#[test]
fn refuses_an_office_without_windows() {
    let outcome = watchdog(LIMIT, "selling 10 tickets from 0 windows", || {
        catch_unwind(|| kit::sell(10, 0)).map_err(|payload| panic_text(&*payload))
    });
    match outcome {
        Err(message) if message.contains("at least one window") => {}
        other => Report::sent("sell(10, 0)")
            .expected("a panic whose message says an office needs \"at least one window\"")
            .got(match other {
                Ok(sales) => format!("it returned {}", show_log(&sales)),
                Err(message) => format!("the panic {message:?}"),
            })
            .cause("check `windows` first: assert!(windows > 0, \"… at least one window\")")
            .fail(),
    }
}

#[test]
fn sale_displays_as_the_seed_prints_it() {
    // Given code, checked together with a call to `sell` so that it cannot
    // pass against the stub.
    let sales = sell(1, 1);
    let expected = [Sale {
        ticket: 1,
        window: 1,
    }];
    if sales != expected {
        Report::sent("sell(1, 1)")
            .expected(format!("{expected:?}"))
            .got(show_log(&sales))
            .cause("one window, W1, sells the one ticket, T1")
            .fail();
    }
    let shown = sales[0].to_string();
    if shown != "W1 --- T1" {
        Report::sent("Sale { ticket: 1, window: 1 }.to_string()")
            .expected("\"W1 --- T1\", the seed's format")
            .got(format!("{shown:?}"))
            .cause("Display for Sale is given: keep it as it is")
            .fail();
    }
}

// --- the runner's program ---------------------------------------------------

#[test]
fn program_prints_each_sale_and_the_shares() {
    let program = Program::start(&["ticket-office", "--tickets", "20", "--windows", "4"]);
    let command = program.command_line().to_string();
    let finished = program.finish();
    if !finished.status.success() {
        Report::sent(format!("`{command}`"))
            .expected("exit status 0")
            .got(format!("{}; stderr: {}", finished.status, finished.stderr))
            .cause("the program calls ticket_office::sell: see the panic above")
            .fail();
    }
    let lines = &finished.stdout;
    let summary = "sold 20 of 20 tickets: W1 5, W2 5, W3 5, W4 5";
    let sales_right = lines.len() == 21
        && lines[..20].iter().enumerate().all(|(index, line)| {
            line.starts_with('W') && line.ends_with(&format!(" --- T{}", index + 1))
        });
    if !sales_right || lines[20] != summary {
        Report::sent(format!("`{command}`"))
            .expected(format!(
                "20 lines `W<n> --- T1` to `W<n> --- T20` (the seed's format, in selling \
                 order), then `{summary}`"
            ))
            .got(format!("{lines:?}"))
            .cause("the program prints sell's log in order, then the shares")
            .fail();
    }

    // And a clear error, not a panic, without windows.
    let finished = Program::start(&["ticket-office", "--windows", "0"]).finish();
    if finished.status.success() || !finished.stderr.contains("at least 1") {
        Report::sent("`ticket-office --windows 0`")
            .expected("a failure, with a message that asks for at least 1 window")
            .got(format!("{}; stderr: {}", finished.status, finished.stderr))
            .cause("the program refuses 0 windows itself, before sell would panic")
            .fail();
    }
}
