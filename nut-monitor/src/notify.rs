//! upsmon's notifications: the 31 types, their stock messages, the
//! `NOTIFYFLAG` delivery flags, `NOTIFYMSG` overrides and the message
//! formatter.
//!
//! NUT formats a message with C `snprintf(fmt, ups_name)`, so a user's
//! `NOTIFYMSG` with a stray `%d` is undefined behaviour there. Here
//! [`format_message`] understands only `%s` (filled in order, empty when no
//! argument is left) and `%%`; any other `%` sequence is kept as written.
//! Messages are cut at [`MAX_MESSAGE_LEN`] bytes, as NUT's 512-byte buffer does.

use std::fmt;

/// Longest message NUT produces (its `SMALLBUF` of 512 bytes less the NUL).
pub const MAX_MESSAGE_LEN: usize = 511;

/// One notification type, named as in `NOTIFYMSG`/`NOTIFYFLAG` and in the
/// `NOTIFYTYPE` environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum NotifyKind {
    /// `ONLINE`: back on line power.
    Online,
    /// `ONBATT`: on battery.
    OnBatt,
    /// `LOWBATT`: battery low.
    LowBatt,
    /// `FSD`: forced shutdown seen in the UPS status.
    Fsd,
    /// `COMMOK`: communications (re-)established.
    CommOk,
    /// `COMMBAD`: communications lost.
    CommBad,
    /// `SHUTDOWN`: this system is shutting down.
    Shutdown,
    /// `REPLBATT`: the battery needs replacing.
    ReplBatt,
    /// `NOCOMM`: a UPS has been unreachable for `NOCOMMWARNTIME`.
    NoComm,
    /// `NOPARENT`: the privileged parent died.
    NoParent,
    /// `CAL`: calibration started.
    Cal,
    /// `NOTCAL`: calibration finished.
    NotCal,
    /// `OFF`: administratively off.
    Off,
    /// `NOTOFF`: no longer off.
    NotOff,
    /// `BYPASS`: on bypass.
    Bypass,
    /// `NOTBYPASS`: no longer on bypass.
    NotBypass,
    /// `ECO`: in ECO mode.
    Eco,
    /// `NOTECO`: no longer in ECO mode.
    NotEco,
    /// `ALARM`: one or more alarms (the text is the second `%s`).
    Alarm,
    /// `NOTALARM`: alarms cleared.
    NotAlarm,
    /// `OVER`: overloaded.
    Over,
    /// `NOTOVER`: no longer overloaded.
    NotOver,
    /// `TRIM`: trimming the input voltage.
    Trim,
    /// `NOTTRIM`: no longer trimming.
    NotTrim,
    /// `BOOST`: boosting the input voltage.
    Boost,
    /// `NOTBOOST`: no longer boosting.
    NotBoost,
    /// `OTHER`: unclassified status tokens (the list is the second `%s`).
    Other,
    /// `NOTOTHER`: no unclassified tokens any more.
    NotOther,
    /// `SUSPEND_STARTING`: the OS is about to sleep.
    SuspendStarting,
    /// `SUSPEND_FINISHED`: the OS woke up.
    SuspendFinished,
    /// `SHUTDOWN_HOSTSYNC`: the primary waits for secondaries to log out.
    ShutdownHostsync,
}

/// Name and stock message of every kind, in declaration order.
const TABLE: [(NotifyKind, &str, &str); 31] = [
    (NotifyKind::Online, "ONLINE", "UPS %s on line power"),
    (NotifyKind::OnBatt, "ONBATT", "UPS %s on battery"),
    (NotifyKind::LowBatt, "LOWBATT", "UPS %s battery is low"),
    (
        NotifyKind::Fsd,
        "FSD",
        "UPS %s: forced shutdown in progress",
    ),
    (
        NotifyKind::CommOk,
        "COMMOK",
        "Communications with UPS %s established",
    ),
    (
        NotifyKind::CommBad,
        "COMMBAD",
        "Communications with UPS %s lost",
    ),
    (
        NotifyKind::Shutdown,
        "SHUTDOWN",
        "Auto logout and shutdown proceeding",
    ),
    (
        NotifyKind::ReplBatt,
        "REPLBATT",
        "UPS %s battery needs to be replaced",
    ),
    (NotifyKind::NoComm, "NOCOMM", "UPS %s is unavailable"),
    (
        NotifyKind::NoParent,
        "NOPARENT",
        "upsmon parent process died - shutdown impossible",
    ),
    (NotifyKind::Cal, "CAL", "UPS %s: calibration in progress"),
    (NotifyKind::NotCal, "NOTCAL", "UPS %s: calibration finished"),
    (
        NotifyKind::Off,
        "OFF",
        "UPS %s: administratively OFF or asleep",
    ),
    (
        NotifyKind::NotOff,
        "NOTOFF",
        "UPS %s: no longer administratively OFF or asleep",
    ),
    (
        NotifyKind::Bypass,
        "BYPASS",
        "UPS %s: on bypass (powered, not protecting)",
    ),
    (
        NotifyKind::NotBypass,
        "NOTBYPASS",
        "UPS %s: no longer on bypass",
    ),
    (
        NotifyKind::Eco,
        "ECO",
        "UPS %s: in ECO mode (as defined by vendor)",
    ),
    (
        NotifyKind::NotEco,
        "NOTECO",
        "UPS %s: no longer in ECO mode",
    ),
    (
        NotifyKind::Alarm,
        "ALARM",
        "UPS %s: one or more active alarms: [%s]",
    ),
    (
        NotifyKind::NotAlarm,
        "NOTALARM",
        "UPS %s is no longer in an alarm state (no active alarms)",
    ),
    (NotifyKind::Over, "OVER", "UPS %s: overloaded"),
    (
        NotifyKind::NotOver,
        "NOTOVER",
        "UPS %s: no longer overloaded",
    ),
    (
        NotifyKind::Trim,
        "TRIM",
        "UPS %s: trimming incoming voltage",
    ),
    (
        NotifyKind::NotTrim,
        "NOTTRIM",
        "UPS %s: no longer trimming incoming voltage",
    ),
    (
        NotifyKind::Boost,
        "BOOST",
        "UPS %s: boosting incoming voltage",
    ),
    (
        NotifyKind::NotBoost,
        "NOTBOOST",
        "UPS %s: no longer boosting incoming voltage",
    ),
    (
        NotifyKind::Other,
        "OTHER",
        "UPS %s: has at least one unclassified status token: [%s]",
    ),
    (
        NotifyKind::NotOther,
        "NOTOTHER",
        "UPS %s has no unclassified status tokens anymore",
    ),
    (
        NotifyKind::SuspendStarting,
        "SUSPEND_STARTING",
        "OS is entering sleep/suspend/hibernate mode",
    ),
    (
        NotifyKind::SuspendFinished,
        "SUSPEND_FINISHED",
        "OS just finished sleep/suspend/hibernate mode, de-activating obsolete UPS readings to avoid an unfortunate shutdown",
    ),
    (
        NotifyKind::ShutdownHostsync,
        "SHUTDOWN_HOSTSYNC",
        "Shutdown initiated; primary system is waiting for secondaries to log out or time out",
    ),
];

impl NotifyKind {
    /// Every kind, in NUT's table order.
    pub const ALL: [Self; 31] = {
        let mut all = [Self::Online; 31];
        let mut i = 0;
        while i < TABLE.len() {
            all[i] = TABLE[i].0;
            i += 1;
        }
        all
    };

    /// Position in [`Self::ALL`].
    fn index(self) -> usize {
        // The enum is declared in table order and has no explicit
        // discriminants, so the discriminant is the index.
        self as usize
    }

    /// The name used in config files and `NOTIFYTYPE` (`"ONBATT"`).
    pub fn name(self) -> &'static str {
        TABLE[self.index()].1
    }

    /// Looks a name up, ignoring case as NUT does (`strcasecmp`).
    pub fn from_name(name: &str) -> Option<Self> {
        TABLE
            .iter()
            .find(|(_, n, _)| n.eq_ignore_ascii_case(name))
            .map(|(kind, _, _)| *kind)
    }

    /// NUT's stock message format (`%s` = the UPS as written in `MONITOR`).
    pub fn stock_message(self) -> &'static str {
        TABLE[self.index()].2
    }
}

impl fmt::Display for NotifyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a notification is delivered (`NOTIFYFLAG TYPE SYSLOG+WALL+EXEC`).
///
/// `IGNORE` wins over everything else: NUT drops the notification before
/// looking at the other flags.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NotifyFlags(u8);

impl NotifyFlags {
    /// No delivery at all (a `NOTIFYFLAG` line with only invalid flags).
    pub const NONE: Self = Self(0);
    /// Log through syslog at `LOG_NOTICE`.
    pub const SYSLOG: Self = Self(1);
    /// Send to all terminals with `wall`.
    pub const WALL: Self = Self(2);
    /// Run `NOTIFYCMD` with the message.
    pub const EXEC: Self = Self(4);
    /// Drop the notification.
    pub const IGNORE: Self = Self(8);
    /// NUT's default for every type: `SYSLOG+WALL`.
    pub const DEFAULT: Self = Self(1 | 2);

    /// Whether every flag of `other` is set.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets of flags.
    #[must_use]
    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether the notification is delivered through `flag`, taking
    /// `IGNORE` into account.
    pub fn delivers(self, flag: Self) -> bool {
        !self.contains(Self::IGNORE) && self.contains(flag)
    }

    /// Reads one flag name, case-sensitively as NUT does.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "SYSLOG" => Some(Self::SYSLOG),
            "WALL" => Some(Self::WALL),
            "EXEC" => Some(Self::EXEC),
            "IGNORE" => Some(Self::IGNORE),
            _ => None,
        }
    }
}

impl fmt::Display for NotifyFlags {
    /// `SYSLOG+WALL`, or `NONE` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (Self::SYSLOG, "SYSLOG"),
            (Self::WALL, "WALL"),
            (Self::EXEC, "EXEC"),
            (Self::IGNORE, "IGNORE"),
        ];
        let mut first = true;
        for (flag, name) in names {
            if self.contains(flag) {
                if !first {
                    f.write_str("+")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("NONE")?;
        }
        Ok(())
    }
}

impl fmt::Debug for NotifyFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NotifyFlags({self})")
    }
}

/// Message override and flags of one notification type.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    message: Option<String>,
    flags: NotifyFlags,
}

/// The per-type settings of `NOTIFYMSG` and `NOTIFYFLAG`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyTable {
    entries: Vec<Entry>,
}

impl Default for NotifyTable {
    fn default() -> Self {
        Self {
            entries: vec![
                Entry {
                    message: None,
                    flags: NotifyFlags::DEFAULT,
                };
                TABLE.len()
            ],
        }
    }
}

impl NotifyTable {
    fn entry(&self, kind: NotifyKind) -> Option<&Entry> {
        self.entries.get(kind.index())
    }

    /// The format in force: the `NOTIFYMSG` override or the stock message.
    pub fn format(&self, kind: NotifyKind) -> &str {
        self.entry(kind)
            .and_then(|e| e.message.as_deref())
            .unwrap_or_else(|| kind.stock_message())
    }

    /// The flags in force.
    pub fn flags(&self, kind: NotifyKind) -> NotifyFlags {
        self.entry(kind).map_or(NotifyFlags::DEFAULT, |e| e.flags)
    }

    /// Overrides the message (`NOTIFYMSG`).
    pub fn set_message(&mut self, kind: NotifyKind, message: impl Into<String>) {
        if let Some(e) = self.entries.get_mut(kind.index()) {
            e.message = Some(message.into());
        }
    }

    /// Replaces the flags (`NOTIFYFLAG`).
    pub fn set_flags(&mut self, kind: NotifyKind, flags: NotifyFlags) {
        if let Some(e) = self.entries.get_mut(kind.index()) {
            e.flags = flags;
        }
    }

    /// Builds the notification for `kind` about `ups` (the `MONITOR` name;
    /// `None` for system events). `detail` fills the second `%s` of ALARM
    /// and OTHER.
    pub fn render(
        &self,
        kind: NotifyKind,
        ups: Option<&str>,
        detail: Option<&str>,
    ) -> Notification {
        let message = format_message(
            self.format(kind),
            &[ups.unwrap_or(""), detail.unwrap_or("")],
        );
        Notification {
            kind,
            ups: ups.map(str::to_owned),
            message,
            flags: self.flags(kind),
        }
    }
}

/// One notification as the runtime must deliver it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The type (`NOTIFYTYPE`).
    pub kind: NotifyKind,
    /// The UPS as written in `MONITOR` (`UPSNAME`); `None` for system events
    /// such as SHUTDOWN, for which NUT sets `UPSNAME` to the empty string.
    pub ups: Option<String>,
    /// The formatted message.
    pub message: String,
    /// How to deliver it.
    pub flags: NotifyFlags,
}

/// Fills `%s` in `format` with `args` in order (empty once they run out)
/// and turns `%%` into `%`; other `%` sequences are kept as written. The
/// result is cut at [`MAX_MESSAGE_LEN`] bytes on a character boundary.
pub fn format_message(format: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(format.len() + 32);
    let mut args = args.iter();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('s') => {
                chars.next();
                out.push_str(args.next().copied().unwrap_or(""));
            }
            Some('%') => {
                chars.next();
                out.push('%');
            }
            _ => out.push('%'),
        }
        if out.len() > MAX_MESSAGE_LEN {
            break;
        }
    }
    truncate_at_boundary(&mut out, MAX_MESSAGE_LEN);
    out
}

/// Cuts `text` to at most `max` bytes without splitting a character.
pub(crate) fn truncate_at_boundary(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_order_matches_discriminants() {
        for (i, kind) in NotifyKind::ALL.iter().enumerate() {
            assert_eq!(kind.index(), i, "{kind:?}");
            assert_eq!(NotifyKind::from_name(kind.name()), Some(*kind));
        }
    }

    #[test]
    fn names_are_case_insensitive_and_flags_are_not() {
        assert_eq!(NotifyKind::from_name("onbatt"), Some(NotifyKind::OnBatt));
        assert_eq!(NotifyKind::from_name("ONBAT"), None);
        assert_eq!(NotifyFlags::from_name("EXEC"), Some(NotifyFlags::EXEC));
        assert_eq!(NotifyFlags::from_name("exec"), None);
    }

    #[test]
    fn stock_messages_render_like_nut() {
        let table = NotifyTable::default();
        let n = table.render(NotifyKind::OnBatt, Some("ups@host"), None);
        assert_eq!(n.message, "UPS ups@host on battery");
        assert_eq!(n.flags, NotifyFlags::DEFAULT);
        let n = table.render(NotifyKind::Alarm, Some("u"), Some("Replace battery!"));
        assert_eq!(
            n.message,
            "UPS u: one or more active alarms: [Replace battery!]"
        );
        let n = table.render(NotifyKind::Shutdown, None, None);
        assert_eq!(n.message, "Auto logout and shutdown proceeding");
        assert_eq!(n.ups, None);
    }

    #[test]
    fn formatter_is_safe_with_hostile_formats() {
        assert_eq!(format_message("%s %s %s", &["a"]), "a  ");
        assert_eq!(format_message("100%% %d %", &["a"]), "100% %d %");
        assert_eq!(format_message("%n%x", &[]), "%n%x");
    }

    #[test]
    fn messages_are_cut_at_the_limit() {
        let long = "x".repeat(MAX_MESSAGE_LEN + 10);
        assert_eq!(format_message(&long, &[]).len(), MAX_MESSAGE_LEN);
        let exact = "y".repeat(MAX_MESSAGE_LEN);
        assert_eq!(format_message(&exact, &[]), exact);
        let arg = "é".repeat(MAX_MESSAGE_LEN);
        let out = format_message("%s", &[&arg]);
        assert!(out.len() <= MAX_MESSAGE_LEN && out.len() >= MAX_MESSAGE_LEN - 1);
    }

    #[test]
    fn flags_display_and_ignore() {
        let f = NotifyFlags::SYSLOG.union(NotifyFlags::EXEC);
        assert_eq!(f.to_string(), "SYSLOG+EXEC");
        assert!(f.delivers(NotifyFlags::EXEC));
        let ignored = f.union(NotifyFlags::IGNORE);
        assert!(!ignored.delivers(NotifyFlags::SYSLOG));
        assert_eq!(NotifyFlags::NONE.to_string(), "NONE");
    }
}
