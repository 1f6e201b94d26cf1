//! A server under test, run on a thread of the test process.

use super::{Accepting, Liveness};
use std::any::Any;
use std::fmt::Debug;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;

/// Runs `serve(…)` on its own thread and reports, through [`Liveness`], the
/// moment it stops: a panic (a stub's `todo!()`) or an early return.
///
/// The thread is not joined on drop: a server loops forever by design, and the
/// test process ends it when the test binary exits. Its socket stays open
/// until then, which is harmless because each test binds its own port.
pub struct ServerThread {
    name: String,
    handle: Mutex<Option<JoinHandle<String>>>,
    stopped: OnceLock<String>,
    /// The id of the thread that runs `serve`, set as it starts.
    tid: Arc<OnceLock<i32>>,
    /// A clone of the server's listener (see [`ServerThread::on_loopback`]).
    _listener: Option<TcpListener>,
}

impl ServerThread {
    /// Starts `serve` on a thread named `name` (e.g. `"udp_dict::serve"`).
    /// Bind the socket *before* calling this, on `127.0.0.1:0`, so a client
    /// can connect as soon as this returns.
    pub fn spawn<E: Debug>(
        name: &str,
        serve: impl FnOnce() -> Result<(), E> + Send + 'static,
    ) -> Self {
        let label = name.to_string();
        let tid = Arc::new(OnceLock::new());
        let my_tid = Arc::clone(&tid);
        let handle = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                my_tid.get_or_init(|| nix::unistd::gettid().as_raw());
                match serve() {
                    Ok(()) => format!("{label} returned Ok(()) while clients still needed it"),
                    Err(e) => format!("{label} returned an error: {e:?}"),
                }
            })
            .expect("the OS refused to start a thread");
        ServerThread {
            name: name.to_string(),
            handle: Mutex::new(Some(handle)),
            stopped: OnceLock::new(),
            tid,
            _listener: None,
        }
    }

    /// For a server that must serve many clients at once: a [`Liveness`]
    /// that also fails, at once, when the thread running `serve` is blocked
    /// reading a client (it serves one client at a time). See [`Accepting`].
    pub fn accepting(&self) -> Accepting<'_, ServerThread> {
        Accepting::thread(self, &self.name, &self.tid)
    }

    /// Binds a TCP listener on `127.0.0.1:0`, starts `serve(listener)` on a
    /// thread named `name`, and returns the server and its address.
    ///
    /// The test keeps a clone of the listener open: a client's `connect`
    /// then succeeds even after `serve` has stopped (a stub's `todo!()`), and
    /// the client's first wait fails with the server's panic message instead
    /// of "connection refused".
    pub fn on_loopback<E: Debug>(
        name: &str,
        serve: impl FnOnce(TcpListener) -> Result<(), E> + Send + 'static,
    ) -> (Self, SocketAddr) {
        let listener = super::loopback_listener();
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let kept = listener.try_clone().expect("cloning the listener");
        let mut server = ServerThread::spawn(name, move || serve(listener));
        server._listener = Some(kept);
        (server, addr)
    }
}

impl Liveness for ServerThread {
    fn check(&self) -> Result<(), String> {
        if let Some(why) = self.stopped.get() {
            return Err(why.clone());
        }
        let mut slot = self.handle.lock().unwrap_or_else(|p| p.into_inner());
        let finished = slot.as_ref().is_some_and(|h| h.is_finished());
        if !finished {
            return Ok(());
        }
        let handle = slot.take().expect("checked above");
        let why = match handle.join() {
            Ok(returned) => format!("the server stopped: {returned}"),
            Err(payload) => format!("{} panicked: {}", self.name, panic_text(&*payload)),
        };
        Err(self.stopped.get_or_init(|| why).clone())
    }
}

/// The text of a panic payload (`panic!("…")` carries a `&str` or a `String`).
pub fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}
