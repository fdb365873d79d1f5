//! The status and alarm buffers a walk fills and commits (snmp-maps.md
//! 1.9, NUT's `status_*` and `alarm_*` helpers).

/// Longest `ups.status` / `ups.alarm` value (NUT's `ST_MAX_VALUE_LEN`).
/// A token or alarm text that would not fit is dropped whole rather than
/// cut, so a status is never published with half a token.
pub const MAX_STATUS_LEN: usize = 255;

/// The buffers of one walk, plus whether the last alarm commit found
/// alarms (status commit reads it to prefix `ALARM`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Buffers {
    tokens: Vec<String>,
    /// Alarm texts per daisychain device (index 0 for the unitary device).
    alarms: Vec<(i64, Vec<String>)>,
    alarm_active: bool,
}

impl Buffers {
    /// `status_init` + `alarm_init`.
    pub(crate) fn clear(&mut self) {
        self.tokens.clear();
        self.alarms.clear();
    }

    /// `status_set`: adds each word of `text` that is not there yet (a
    /// multi-word text such as `OL BOOST` adds both tokens).
    pub(crate) fn add_status(&mut self, text: &str) {
        for word in text.split_ascii_whitespace() {
            if self.tokens.iter().any(|t| t == word) {
                continue;
            }
            let len: usize = self.tokens.iter().map(|t| t.len() + 1).sum();
            if len + word.len() <= MAX_STATUS_LEN {
                self.tokens.push(word.to_owned());
            }
        }
    }

    /// `alarm_set` for one device.
    pub(crate) fn add_alarm(&mut self, device: i64, text: String) {
        if text.is_empty() {
            return;
        }
        let at = match self.alarms.iter().position(|(d, _)| *d == device) {
            Some(at) => at,
            None => {
                self.alarms.push((device, Vec::new()));
                self.alarms.len() - 1
            }
        };
        if let Some((_, texts)) = self.alarms.get_mut(at) {
            let len: usize = texts.iter().map(|t| t.len() + 1).sum();
            if len + text.len() <= MAX_STATUS_LEN {
                texts.push(text);
            }
        }
    }

    /// `alarm_commit`: `(name, Some(value))` to publish, `(name, None)` to
    /// delete. Unitary devices commit `ups.alarm`; several daisychained
    /// devices commit `device.N.ups.alarm` each, and the root `ups.alarm`
    /// gathers them all.
    pub(crate) fn commit_alarms(
        &mut self,
        multi_device: Option<i64>,
    ) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        let all: Vec<String> = self
            .alarms
            .iter()
            .flat_map(|(_, t)| t.iter().cloned())
            .collect();
        if let Some(count) = multi_device {
            for device in 1..=count {
                let texts = self
                    .alarms
                    .iter()
                    .find(|(d, _)| *d == device)
                    .map(|(_, t)| t.join(" "));
                out.push((
                    format!("device.{device}.ups.alarm"),
                    texts.filter(|t| !t.is_empty()),
                ));
            }
        }
        let joined = all.join(" ");
        self.alarm_active = !joined.is_empty();
        out.push(("ups.alarm".to_owned(), self.alarm_active.then_some(joined)));
        out
    }

    /// `status_commit`: the `ups.status` value, `ALARM` first when the last
    /// alarm commit found alarms (then with a trailing space even when no
    /// other token is set, as NUT prints it).
    pub(crate) fn commit_status(&self) -> String {
        let tokens = self.tokens.join(" ");
        if self.alarm_active {
            format!("ALARM {tokens}")
        } else {
            tokens
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_split_and_deduplicated() {
        let mut b = Buffers::default();
        b.add_status("OL");
        b.add_status("OL BOOST");
        b.add_status("");
        b.add_status("LB");
        assert_eq!(b.commit_status(), "OL BOOST LB");
    }

    #[test]
    fn alarms_prefix_the_status_and_fill_ups_alarm() {
        let mut b = Buffers::default();
        b.add_status("OL");
        b.add_alarm(1, "Battery bad!".into());
        b.add_alarm(1, "Building alarm!".into());
        b.add_alarm(1, String::new());
        let commits = b.commit_alarms(None);
        assert_eq!(
            commits,
            [(
                "ups.alarm".to_owned(),
                Some("Battery bad! Building alarm!".to_owned())
            )]
        );
        assert_eq!(b.commit_status(), "ALARM OL");
        b.clear();
        assert_eq!(b.commit_alarms(None), [("ups.alarm".to_owned(), None)]);
        assert_eq!(b.commit_status(), "");
        b.add_alarm(1, "x".into());
        b.commit_alarms(None);
        assert_eq!(b.commit_status(), "ALARM ", "NUT keeps the trailing space");
    }

    #[test]
    fn daisychain_alarms_go_per_device() {
        let mut b = Buffers::default();
        b.add_alarm(2, "low voltage warning!".into());
        let commits = b.commit_alarms(Some(2));
        assert_eq!(commits[0], ("device.1.ups.alarm".to_owned(), None));
        assert_eq!(
            commits[1],
            (
                "device.2.ups.alarm".to_owned(),
                Some("low voltage warning!".to_owned())
            )
        );
        assert_eq!(commits[2].1.as_deref(), Some("low voltage warning!"));
    }

    #[test]
    fn buffers_are_bounded_by_whole_tokens() {
        let mut b = Buffers::default();
        for n in 0..200 {
            b.add_status(&format!("T{n}"));
        }
        let status = b.commit_status();
        assert!(status.len() <= MAX_STATUS_LEN);
        assert!(status.split(' ').all(|t| t.starts_with('T') && t.len() > 1));
        let word = "W".repeat(MAX_STATUS_LEN);
        let mut c = Buffers::default();
        c.add_status(&word);
        assert_eq!(
            c.commit_status().len(),
            MAX_STATUS_LEN,
            "a token of exactly the limit fits"
        );
        let mut d = Buffers::default();
        d.add_status(&format!("{word}W"));
        assert_eq!(d.commit_status(), "", "one byte more does not");
    }
}
