//! Session tests: framing, LIST assembly, limits, failures.

use proptest::prelude::*;

use super::*;
use crate::net::{ErrorCode, GetQuery, ServerError};

fn list_var() -> Request {
    Request::List(ListQuery::Var { ups: "ups".into() })
}

fn get_var() -> Request {
    Request::Get(GetQuery::Var {
        ups: "ups".into(),
        var: "ups.status".into(),
    })
}

const LIST_ANSWER: &[u8] = b"BEGIN LIST VAR ups\nVAR ups battery.charge \"100\"\nVAR ups ups.status \"OL\"\nEND LIST VAR ups\n";

fn small(max_line_len: usize, max_list_entries: usize) -> Session {
    Session::with_limits(SessionLimits {
        max_line_len,
        max_list_entries,
    })
}

fn drain(session: &mut Session) -> Vec<Result<Response, Error>> {
    std::iter::from_fn(|| session.poll_response()).collect()
}

#[test]
fn assembles_a_list_and_keeps_order() {
    let mut s = Session::new();
    s.send(&list_var());
    s.handle_input(LIST_ANSWER);
    let responses = drain(&mut s);
    let [Ok(Response::List { query, items })] = responses.as_slice() else {
        panic!("{responses:?}");
    };
    assert_eq!(*query, ListQuery::Var { ups: "ups".into() });
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[1],
        ListItem::Var {
            ups: "ups".into(),
            var: "ups.status".into(),
            value: "OL".into()
        }
    );
    assert_eq!(s.pending(), 0);
    assert!(!s.is_broken());
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let mut s = Session::new();
    s.send(&Request::Ver);
    s.send(&list_var());
    s.send(&get_var());
    let mut wire = Vec::new();
    assert!(s.poll_transmit(&mut wire));
    assert!(!s.poll_transmit(&mut wire));
    assert_eq!(
        wire,
        b"VER\nLIST VAR ups\nGET VAR ups ups.status\n".as_slice()
    );
    let mut input = b"Network UPS Tools upsd 2.8.0 - x\r\n".to_vec();
    input.extend_from_slice(LIST_ANSWER);
    input.extend_from_slice(b"ERR DATA-STALE\n");
    s.handle_input(&input);
    let responses = drain(&mut s);
    assert_eq!(responses.len(), 3);
    assert!(
        matches!(&responses[0], Ok(Response::Reply(Reply::Text(t))) if t == "Network UPS Tools upsd 2.8.0 - x")
    );
    assert!(matches!(&responses[1], Ok(Response::List { items, .. }) if items.len() == 2));
    assert!(matches!(
        &responses[2],
        Ok(Response::Reply(Reply::Err(ServerError {
            code: ErrorCode::DataStale,
            ..
        })))
    ));
}

#[test]
fn err_instead_of_a_list_is_a_reply() {
    let mut s = Session::new();
    s.send(&list_var());
    s.handle_input(b"ERR UNKNOWN-UPS\n");
    let responses = drain(&mut s);
    assert!(matches!(
        responses.as_slice(),
        [Ok(Response::Reply(Reply::Err(e)))] if e.code == ErrorCode::UnknownUps
    ));
    assert!(!s.is_broken());
}

#[test]
fn line_length_limit_and_limit_plus_one() {
    let line = b"VAR ups ups.status \"OL\"";
    let mut s = small(line.len(), 10);
    s.send(&get_var());
    s.handle_input(line);
    s.handle_input(b"\n");
    assert!(matches!(
        drain(&mut s).as_slice(),
        [Ok(Response::Reply(Reply::Var { .. }))]
    ));

    let mut s = small(line.len() - 1, 10);
    s.send(&get_var());
    s.handle_input(line);
    let responses = drain(&mut s);
    assert!(
        matches!(responses.as_slice(), [Err(Error::LineTooLong { limit })] if *limit == line.len() - 1),
        "{responses:?}"
    );
    assert!(s.is_broken());
}

#[test]
fn an_endless_line_without_lf_is_cut_off() {
    let mut s = small(64, 10);
    s.send(&get_var());
    for _ in 0..10 {
        s.handle_input(&[b'x'; 16]);
    }
    assert!(matches!(
        drain(&mut s).as_slice(),
        [Err(Error::LineTooLong { .. })]
    ));
}

#[test]
fn list_entry_limit_and_limit_plus_one() {
    let mut s = small(1024, 2);
    s.send(&list_var());
    s.handle_input(LIST_ANSWER);
    assert!(
        matches!(drain(&mut s).as_slice(), [Ok(Response::List { items, .. })] if items.len() == 2)
    );

    let mut s = small(1024, 1);
    s.send(&list_var());
    s.handle_input(LIST_ANSWER);
    let responses = drain(&mut s);
    assert!(
        matches!(responses.as_slice(), [Err(Error::ListTooLong { limit: 1, query })] if query == "LIST VAR ups"),
        "{responses:?}"
    );
    assert!(s.is_broken());
}

#[test]
fn close_in_the_middle_of_a_list_is_a_typed_error() {
    let mut s = Session::new();
    s.send(&list_var());
    s.send(&Request::Ver);
    s.handle_input(b"BEGIN LIST VAR ups\nVAR ups ups.status \"OL\"\n");
    assert!(s.poll_response().is_none());
    s.handle_eof();
    let responses = drain(&mut s);
    assert!(
        matches!(responses.as_slice(), [Err(Error::Closed { during: Some(d) }), Err(Error::Broken)] if d == "LIST VAR ups"),
        "{responses:?}"
    );
    assert_eq!(
        responses[0].as_ref().unwrap_err().nut_message(),
        "Server disconnected"
    );
}

#[test]
fn close_before_any_answer() {
    let mut s = Session::new();
    s.send(&get_var());
    s.handle_input(b"VAR ups ups.st");
    s.handle_eof();
    assert!(matches!(
        drain(&mut s).as_slice(),
        [Err(Error::Closed { during: None })]
    ));
}

#[test]
fn a_begin_for_another_query_breaks_the_session() {
    let mut s = Session::new();
    s.send(&list_var());
    s.handle_input(b"BEGIN LIST VAR other\n");
    assert!(matches!(
        drain(&mut s).as_slice(),
        [Err(Error::Protocol { .. })]
    ));
    assert!(s.is_broken());
}

#[test]
fn a_bad_item_fails_the_list_but_keeps_the_stream_in_step() {
    let mut s = Session::new();
    s.send(&list_var());
    s.send(&Request::Netver);
    s.handle_input(
        b"BEGIN LIST VAR ups\nVAR other x \"1\"\nVAR ups\nVAR ups y \"2\"\nEND LIST VAR ups\n1.3\n",
    );
    let responses = drain(&mut s);
    assert!(
        matches!(&responses[0], Err(Error::Protocol { line, .. }) if line == "VAR other x \"1\"")
    );
    assert!(matches!(&responses[1], Ok(Response::Reply(Reply::Text(t))) if t == "1.3"));
    assert!(!s.is_broken());
}

#[test]
fn unsolicited_data_is_a_protocol_error() {
    let mut s = Session::new();
    s.handle_input(b"OK\n");
    assert!(matches!(
        drain(&mut s).as_slice(),
        [Err(Error::Protocol { .. })]
    ));
    assert!(s.is_broken());
}

#[test]
fn raw_requests_return_the_first_line_and_skip_list_bodies() {
    let mut s = Session::new();
    s.send_raw("LIST UPS").unwrap();
    s.send_raw("GET VAR ups nosuch").unwrap();
    s.handle_input(b"BEGIN LIST UPS\nUPS a \"b\"\nEND LIST UPS\nERR VAR-NOT-SUPPORTED\n");
    let responses = drain(&mut s);
    assert!(matches!(&responses[0], Ok(Response::Raw(l)) if l == "BEGIN LIST UPS"));
    assert!(matches!(&responses[1], Ok(Response::Raw(l)) if l == "ERR VAR-NOT-SUPPORTED"));
    assert!(matches!(
        s.send_raw("VER\nVER"),
        Err(Error::InvalidRequest { .. })
    ));
}

#[test]
fn raw_list_drain_is_bounded() {
    let mut s = small(1024, 2);
    s.send_raw("LIST UPS").unwrap();
    s.handle_input(b"BEGIN LIST UPS\nUPS a \"\"\nUPS b \"\"\nUPS c \"\"\n");
    assert!(matches!(
        drain(&mut s).as_slice(),
        [Err(Error::ListTooLong { .. })]
    ));
}

proptest! {
    /// Rule 6: every split of a valid stream decodes identically.
    #[test]
    fn every_split_of_the_input_gives_the_same_answers(cuts in proptest::collection::vec(0..LIST_ANSWER.len() + 16, 0..6)) {
        let mut input = LIST_ANSWER.to_vec();
        input.extend_from_slice(b"ERR DATA-STALE\n");
        let mut whole = Session::new();
        whole.send(&list_var());
        whole.send(&get_var());
        whole.handle_input(&input);
        let expected = format!("{:?}", drain(&mut whole));

        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(input.len())).collect();
        cuts.sort_unstable();
        let mut pieces = Session::new();
        pieces.send(&list_var());
        pieces.send(&get_var());
        let mut start = 0;
        for cut in cuts.into_iter().chain([input.len()]) {
            pieces.handle_input(&input[start..cut]);
            start = cut;
        }
        prop_assert_eq!(format!("{:?}", drain(&mut pieces)), expected);
    }

    #[test]
    fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut s = small(64, 4);
        s.send(&list_var());
        s.send(&get_var());
        s.send_raw("X").unwrap();
        s.handle_input(&bytes);
        s.handle_eof();
        let _ = drain(&mut s);
    }
}
