//! The keys of `watch`: single key presses from the terminal, without
//! Enter and without echo, and the terminal put back as it was on the way
//! out, on Ctrl-C too.

use std::io::Read;
use std::sync::OnceLock;
use std::sync::mpsc::Sender;

/// The terminal's settings before `watch` changed them, for the way out.
static SAVED: OnceLock<libc::termios> = OnceLock::new();

/// While alive, the terminal on stdin reads key by key, without echo
/// (non-canonical mode; signals such as Ctrl-C still work). Dropping it,
/// or a SIGINT or SIGTERM, restores the settings it found.
pub struct RawKeys(());

impl RawKeys {
    /// `None` when stdin is not a terminal (a pipe, /dev/null): then keys
    /// come as lines, each ended by Enter.
    pub fn enable() -> Option<RawKeys> {
        // SAFETY: isatty, tcgetattr and tcsetattr on fd 0 with a termios
        // owned here; the signal handlers only call async-signal-safe
        // functions (tcsetattr, signal, raise).
        unsafe {
            if libc::isatty(0) != 1 {
                return None;
            }
            let mut settings: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut settings) != 0 {
                return None;
            }
            let _ = SAVED.set(settings);
            let mut raw = settings;
            raw.c_lflag &= !(libc::ICANON | libc::ECHO);
            raw.c_cc[libc::VMIN] = 1;
            raw.c_cc[libc::VTIME] = 0;
            if libc::tcsetattr(0, libc::TCSANOW, &raw) != 0 {
                return None;
            }
            let handler = restore_and_die as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::signal(libc::SIGINT, handler);
            libc::signal(libc::SIGTERM, handler);
        }
        Some(RawKeys(()))
    }
}

impl Drop for RawKeys {
    fn drop(&mut self) {
        restore();
    }
}

fn restore() {
    if let Some(saved) = SAVED.get() {
        // SAFETY: fd 0 and a termios read from it by `enable`.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, saved);
        }
    }
}

/// The terminal back as it was, then the signal's default action (the
/// process ends as the signal says, for the shell to see).
extern "C" fn restore_and_die(signal: libc::c_int) {
    restore();
    // SAFETY: both are async-signal-safe.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

/// What the keys thread sends: a key, or that stdin has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
    End,
}

/// Reads stdin on a thread of its own and sends every key, mapped by
/// `wrap`, until stdin ends (then [`Key::End`] once).
pub fn spawn<E: Send + 'static>(events: Sender<E>, wrap: fn(Key) -> E) {
    std::thread::Builder::new()
        .name("watch-keys".into())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut byte = [0u8; 1];
            loop {
                let key = match stdin.read(&mut byte) {
                    Ok(0) | Err(_) => Key::End,
                    Ok(_) => match byte[0] {
                        b'\n' | b'\r' => Key::Enter,
                        // Ctrl-D, on a terminal in non-canonical mode.
                        4 => Key::Char('q'),
                        b => Key::Char(char::from(b).to_ascii_lowercase()),
                    },
                };
                let end = key == Key::End;
                if events.send(wrap(key)).is_err() || end {
                    return;
                }
            }
        })
        .expect("starting the thread that reads the keys");
}
