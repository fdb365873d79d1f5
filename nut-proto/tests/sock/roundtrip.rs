//! Properties: every message survives encode → decode; a stream of them
//! decodes the same however it is cut; a snapshot survives dump → assemble.

use nut_proto::sock::{
    ClientMessage, DecodeError, Decoder, DriverMessage, DumpAssembler, Snapshot, TrackingResult,
    VarFlag, WireMessage,
};
use nut_proto::tokenizer::split_line;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::Index;

/// Any text the wire carries unchanged: printable ASCII and DEL, quotes,
/// backslashes, `#`, `=`, spaces, or nothing at all.
fn text() -> impl Strategy<Value = String> {
    "[\\x20-\\x7f]{0,24}"
}

fn unknown_words(known: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
    let first = "[A-Za-z]{1,10}".prop_filter("not a known command", move |w: &String| {
        !known.iter().any(|k| k.eq_ignore_ascii_case(w))
    });
    (first, vec(text(), 0..8)).prop_map(|(first, rest)| {
        let mut words = vec![first];
        words.extend(rest);
        words
    })
}

fn flag() -> impl Strategy<Value = VarFlag> {
    prop_oneof![
        Just(VarFlag::Rw),
        Just(VarFlag::String),
        Just(VarFlag::Number),
        text()
            .prop_filter("not a known flag", |w| {
                !["RW", "STRING", "NUMBER"]
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(w))
            })
            .prop_map(VarFlag::Other),
    ]
}

fn driver_message() -> impl Strategy<Value = DriverMessage> {
    prop_oneof![
        (text(), text()).prop_map(|(var, value)| DriverMessage::SetInfo { var, value }),
        text().prop_map(|var| DriverMessage::DelInfo { var }),
        (text(), text()).prop_map(|(var, value)| DriverMessage::AddEnum { var, value }),
        (text(), text()).prop_map(|(var, value)| DriverMessage::DelEnum { var, value }),
        (text(), any::<i32>(), any::<i32>()).prop_map(|(var, min, max)| DriverMessage::AddRange {
            var,
            min,
            max
        }),
        (text(), any::<i32>(), any::<i32>()).prop_map(|(var, min, max)| DriverMessage::DelRange {
            var,
            min,
            max
        }),
        (text(), any::<i64>()).prop_map(|(var, aux)| DriverMessage::SetAux { var, aux }),
        // SETFLAGS + var + 30 flags = NUT's 32 words per line.
        (text(), vec(flag(), 0..=30))
            .prop_map(|(var, flags)| DriverMessage::SetFlags { var, flags }),
        text().prop_map(|cmd| DriverMessage::AddCmd { cmd }),
        text().prop_map(|cmd| DriverMessage::DelCmd { cmd }),
        Just(DriverMessage::DumpDone),
        Just(DriverMessage::DataOk),
        Just(DriverMessage::DataStale),
        Just(DriverMessage::Pong),
        text().prop_map(|pid| DriverMessage::Pid { pid }),
        (text(), any::<i32>()).prop_map(|(id, code)| DriverMessage::Tracking {
            id,
            result: TrackingResult::from_code(code),
        }),
        Just(DriverMessage::Goodbye),
        unknown_words(DriverMessage::COMMAND_WORDS)
            .prop_map(|words| DriverMessage::Unknown { words }),
    ]
}

fn client_message() -> impl Strategy<Value = ClientMessage> {
    prop_oneof![
        Just(ClientMessage::Ping),
        Just(ClientMessage::DumpAll),
        text().prop_map(|var| ClientMessage::DumpValue { var }),
        Just(ClientMessage::DumpStatus),
        Just(ClientMessage::GetPid),
        (text(), option::of(text()), option::of(text())).prop_map(|(cmd, param, tracking)| {
            ClientMessage::InstCmd {
                cmd,
                param,
                tracking,
            }
        }),
        (text(), text(), option::of(text())).prop_map(|(var, value, tracking)| {
            ClientMessage::Set {
                var,
                value,
                tracking,
            }
        }),
        Just(ClientMessage::NoBroadcast),
        option::of(any::<i32>()).prop_map(|level| ClientMessage::Broadcast { level }),
        Just(ClientMessage::Logout),
        unknown_words(ClientMessage::COMMAND_WORDS)
            .prop_map(|words| ClientMessage::Unknown { words }),
    ]
}

/// A few names, differing in case too, so that updates hit existing state.
fn small_name() -> impl Strategy<Value = String> {
    proptest::sample::select(vec![
        "ups.status",
        "UPS.STATUS",
        "x",
        "input.L1.voltage",
        "input.f",
    ])
    .prop_map(str::to_owned)
}

/// State messages over [`small_name`]s with small values, so that NUT's
/// duplicate and case rules come into play.
fn state_message() -> impl Strategy<Value = DriverMessage> {
    let value = || "[aAbB]{0,2}";
    prop_oneof![
        (small_name(), value()).prop_map(|(var, value)| DriverMessage::SetInfo { var, value }),
        small_name().prop_map(|var| DriverMessage::DelInfo { var }),
        (small_name(), value()).prop_map(|(var, value)| DriverMessage::AddEnum { var, value }),
        (small_name(), value()).prop_map(|(var, value)| DriverMessage::DelEnum { var, value }),
        (small_name(), -3..3, -3..3).prop_map(|(var, min, max)| DriverMessage::AddRange {
            var,
            min,
            max
        }),
        (small_name(), -3..3, -3..3).prop_map(|(var, min, max)| DriverMessage::DelRange {
            var,
            min,
            max
        }),
        (small_name(), -2i64..2).prop_map(|(var, aux)| DriverMessage::SetAux { var, aux }),
        (small_name(), vec(flag(), 0..3))
            .prop_map(|(var, flags)| DriverMessage::SetFlags { var, flags }),
        small_name().prop_map(|cmd| DriverMessage::AddCmd { cmd }),
        small_name().prop_map(|cmd| DriverMessage::DelCmd { cmd }),
        Just(DriverMessage::DataOk),
        Just(DriverMessage::DataStale),
    ]
}

/// Encodes, checks the line shape, and decodes strictly again.
fn round_trip<M: WireMessage + PartialEq + std::fmt::Display>(
    message: &M,
) -> Result<(), TestCaseError> {
    let mut wire = Vec::new();
    message.encode(&mut wire);
    let text = String::from_utf8(wire).expect("the encoder writes ASCII");
    let line = text.strip_suffix('\n').expect("one LF at the end");
    prop_assert!(!line.contains('\n'));
    prop_assert_eq!(line, message.to_string());
    let words = split_line(line).expect("an encoded line tokenizes");
    prop_assert_eq!(
        &M::decode_with(&words, Default::default()).expect("decodes"),
        message
    );
    Ok(())
}

/// Decodes `wire` cut at `cuts`, with a fresh decoder.
fn decode_cut<M: WireMessage>(wire: &[u8], cuts: &[Index]) -> Vec<Result<M, DecodeError>> {
    let mut points: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
    points.sort_unstable();
    let mut decoder = Decoder::<M>::new();
    let mut items = Vec::new();
    let mut start = 0;
    for end in points.into_iter().chain([wire.len()]) {
        items.extend(decoder.feed(&wire[start..end]));
        start = end;
    }
    items
}

fn check_stream<M: WireMessage + PartialEq + Clone>(
    messages: &[M],
    cuts: &[Index],
) -> Result<(), TestCaseError> {
    let mut wire = Vec::new();
    for message in messages {
        message.encode(&mut wire);
    }
    let expected: Vec<Result<M, DecodeError>> = messages.iter().cloned().map(Ok).collect();
    prop_assert_eq!(&decode_cut::<M>(&wire, &[]), &expected, "whole");
    let bytewise: Vec<_> = {
        let mut decoder = Decoder::<M>::new();
        wire.iter().filter_map(|&b| decoder.push(b)).collect()
    };
    prop_assert_eq!(&bytewise, &expected, "byte by byte");
    prop_assert_eq!(&decode_cut::<M>(&wire, cuts), &expected, "random chunks");
    Ok(())
}

proptest! {
    #[test]
    fn driver_messages_round_trip(message in driver_message()) {
        round_trip(&message)?;
    }

    #[test]
    fn client_messages_round_trip(message in client_message()) {
        round_trip(&message)?;
    }

    #[test]
    fn driver_streams_decode_the_same_however_cut(
        messages in vec(driver_message(), 0..16),
        cuts in vec(any::<Index>(), 0..12),
    ) {
        check_stream(&messages, &cuts)?;
    }

    #[test]
    fn client_streams_decode_the_same_however_cut(
        messages in vec(client_message(), 0..16),
        cuts in vec(any::<Index>(), 0..12),
    ) {
        check_stream(&messages, &cuts)?;
    }

    #[test]
    fn snapshots_survive_dump_and_assembly(
        messages in vec(prop_oneof![3 => state_message(), 1 => driver_message()], 0..64),
    ) {
        let mut state = Snapshot::new();
        for message in &messages {
            let _ = state.apply(message);
        }
        let mut wire = Vec::new();
        state.encode_dump(&mut wire);
        let mut dump = DumpAssembler::new();
        let mut decoder = Decoder::<DriverMessage>::new();
        for item in decoder.feed(&wire) {
            dump.handle_message(&item.expect("our dump decodes")).expect("fits");
        }
        prop_assert!(dump.is_done());
        prop_assert_eq!(dump.into_snapshot(), state);
    }
}
