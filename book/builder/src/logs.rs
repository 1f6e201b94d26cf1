//! mdBook reports a bad include, a broken HTML tag or an unknown icon only as
//! a log line (with `tracing`) and still builds. The book builder collects
//! every WARN and ERROR event of a build and fails the build if there is one.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// Runs `work` with a subscriber, for this thread only, that records every
/// WARN and ERROR event; returns what `work` returned and those events, one
/// line each: `WARN mdbook_driver::…: message`.
///
/// The subscriber is scoped (`with_default`), so two builds in one process,
/// or tests on several threads, each see only their own events.
pub fn capture<T>(work: impl FnOnce() -> T) -> (T, Vec<String>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let recorder = Recorder {
        events: Arc::clone(&events),
    };
    let subscriber = tracing_subscriber::registry().with(recorder.with_filter(LevelFilter::WARN));
    let result = tracing::subscriber::with_default(subscriber, work);
    let events = std::mem::take(&mut *events.lock().unwrap_or_else(|e| e.into_inner()));
    (result, events)
}

struct Recorder {
    events: Arc<Mutex<Vec<String>>>,
}

impl<S: Subscriber> Layer<S> for Recorder {
    fn on_event(&self, event: &Event<'_>, _context: Context<'_, S>) {
        let metadata = event.metadata();
        if *metadata.level() > Level::WARN {
            return; // INFO and below (more verbose levels compare greater)
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let line = format!(
            "{} {}: {}{}",
            metadata.level(),
            metadata.target(),
            fields.message,
            fields.others
        );
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line);
    }
}

/// An event's fields: the message as is, then the others as ` name=value`.
#[derive(Default)]
struct Fields {
    message: String,
    others: String,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.others, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.others, " {}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_warnings_and_errors_only() {
        let (value, events) = capture(|| {
            tracing::info!("Book building has started");
            tracing::warn!(page = "a.md", "unclosed HTML tag `<div>`");
            tracing::error!("Error updating \"{}\"", "{{#include x}}");
            42
        });
        assert_eq!(value, 42);
        assert_eq!(events.len(), 2, "{events:#?}");
        assert!(events[0].starts_with("WARN "), "{}", events[0]);
        assert!(
            events[0].ends_with(": unclosed HTML tag `<div>` page=\"a.md\""),
            "{}",
            events[0]
        );
        assert!(events[1].starts_with("ERROR "), "{}", events[1]);
        assert!(
            events[1].ends_with("Error updating \"{{#include x}}\""),
            "{}",
            events[1]
        );
    }

    #[test]
    fn captures_are_separate() {
        let (_, first) = capture(|| tracing::warn!("one"));
        let (_, second) = capture(|| ());
        assert_eq!(first.len(), 1);
        assert!(second.is_empty());
    }
}
