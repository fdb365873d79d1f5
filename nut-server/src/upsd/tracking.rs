//! The results of tracked SET/INSTCMD requests (`SET TRACKING ON`), shared by
//! every connection as in upsd, kept `TRACKINGDELAY` seconds.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use nut_proto::sock::TrackingResult;

/// Most entries kept at once; the oldest is dropped past this, so that a
/// client issuing tracked commands in a loop cannot grow upsd without end.
pub const MAX_TRACKING_ENTRIES: usize = 65_536;

/// Length of a tracking id: a UUID in upsd's upper-case text form.
pub const TRACKING_ID_LEN: usize = 36;

/// Formats 16 random bytes as an upper-case UUIDv4 (version and variant
/// bits set), the form upsd sends: `2DDC5036-F665-4D29-BE4C-0374D091D263`.
pub fn format_uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(TRACKING_ID_LEN);
    for (index, byte) in bytes.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{byte:02X}"));
    }
    out
}

/// One tracked request: `None` while the driver has not answered.
#[derive(Debug, Clone, Copy)]
struct Entry {
    result: Option<TrackingResult>,
    created: Instant,
}

/// The tracking table.
#[derive(Debug)]
pub(crate) struct Tracking {
    /// Keyed by the upper-cased id (upsd compares ids without case).
    entries: HashMap<String, Entry>,
    /// Ids in creation order, for expiry.
    order: VecDeque<String>,
    delay: Duration,
}

impl Tracking {
    pub(crate) fn new(delay: Duration) -> Self {
        Self {
            entries: HashMap::new(),
            order: VecDeque::new(),
            delay,
        }
    }

    pub(crate) fn set_delay(&mut self, delay: Duration) {
        self.delay = delay;
    }

    /// Starts tracking `id` as pending.
    pub(crate) fn insert(&mut self, id: &str, now: Instant) {
        self.expire(now);
        if self.order.len() >= MAX_TRACKING_ENTRIES
            && let Some(oldest) = self.order.pop_front()
        {
            self.entries.remove(&oldest);
        }
        let key = id.to_ascii_uppercase();
        let entry = Entry {
            result: None,
            created: now,
        };
        if self.entries.insert(key.clone(), entry).is_none() {
            self.order.push_back(key);
        }
    }

    /// Records the driver's answer; false when the id is not tracked.
    pub(crate) fn set(&mut self, id: &str, result: TrackingResult) -> bool {
        match self.entries.get_mut(&id.to_ascii_uppercase()) {
            Some(entry) => {
                entry.result = Some(result);
                true
            }
            None => false,
        }
    }

    /// The `GET TRACKING <id>` answer (without LF), upsd's mapping.
    pub(crate) fn status(&mut self, id: &str, now: Instant) -> &'static str {
        self.expire(now);
        match self.entries.get(&id.to_ascii_uppercase()) {
            None => "ERR UNKNOWN",
            Some(entry) => result_text(entry.result),
        }
    }

    /// Drops entries older than the delay (upsd: `difftime > delay`).
    fn expire(&mut self, now: Instant) {
        while let Some(oldest) = self.order.front() {
            let expired = self
                .entries
                .get(oldest)
                .is_none_or(|e| now.saturating_duration_since(e.created) > self.delay);
            if !expired {
                break;
            }
            if let Some(id) = self.order.pop_front() {
                self.entries.remove(&id);
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// upsd's text for a tracked result: pending, then the driver's code.
pub(crate) fn result_text(result: Option<TrackingResult>) -> &'static str {
    match result {
        None => "PENDING",
        Some(TrackingResult::Handled) => "SUCCESS",
        Some(TrackingResult::Invalid | TrackingResult::ConversionFailed) => "ERR INVALID-ARGUMENT",
        Some(TrackingResult::Failed) => "ERR FAILED",
        // Unknown, and any code upsd does not know: its switch falls through.
        Some(_) => "ERR UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_has_version_and_variant_bits_and_upsd_layout() {
        let id = format_uuid_v4([0xff; 16]);
        assert_eq!(id, "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF");
        let id = format_uuid_v4([0; 16]);
        assert_eq!(id, "00000000-0000-4000-8000-000000000000");
        assert_eq!(id.len(), TRACKING_ID_LEN);
    }

    #[test]
    fn statuses_follow_upsd_mapping() {
        let now = Instant::now();
        let mut t = Tracking::new(Duration::from_secs(10));
        assert_eq!(t.status("nope", now), "ERR UNKNOWN");
        t.insert("AB-1", now);
        assert_eq!(t.status("ab-1", now), "PENDING");
        for (code, text) in [
            (0, "SUCCESS"),
            (1, "ERR UNKNOWN"),
            (2, "ERR INVALID-ARGUMENT"),
            (3, "ERR FAILED"),
            (4, "ERR INVALID-ARGUMENT"),
            (9, "ERR UNKNOWN"),
            (-1, "ERR UNKNOWN"),
        ] {
            assert!(t.set("Ab-1", TrackingResult::from_code(code)));
            assert_eq!(t.status("AB-1", now), text, "code {code}");
        }
        assert!(!t.set("other", TrackingResult::Handled));
    }

    #[test]
    fn entries_expire_after_the_delay_not_at_it() {
        let start = Instant::now();
        let mut t = Tracking::new(Duration::from_secs(10));
        t.insert("A", start);
        assert_eq!(t.status("A", start + Duration::from_secs(10)), "PENDING");
        assert_eq!(
            t.status("A", start + Duration::from_millis(10_001)),
            "ERR UNKNOWN"
        );
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn table_is_bounded_dropping_the_oldest() {
        let now = Instant::now();
        let mut t = Tracking::new(Duration::from_secs(3600));
        for i in 0..MAX_TRACKING_ENTRIES {
            t.insert(&format!("ID{i}"), now);
        }
        assert_eq!(t.len(), MAX_TRACKING_ENTRIES);
        t.insert("LAST", now);
        assert_eq!(t.len(), MAX_TRACKING_ENTRIES);
        assert_eq!(t.status("ID0", now), "ERR UNKNOWN");
        assert_eq!(t.status("ID1", now), "PENDING");
        assert_eq!(t.status("LAST", now), "PENDING");
    }
}
