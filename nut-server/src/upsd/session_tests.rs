//! Sessions against an in-memory driver: the transcripts of real upsd 2.8.0
//! recorded in `real-nut-lab.md` §2.3/§2.4, reply for reply.

use std::time::{Duration, Instant};

use super::*;
use crate::config::Users;
use crate::config::ups_conf::UpsdDevice;
use crate::desc::Descriptions;
use crate::upsd::server::ServerConfig;
use crate::upsd::ups::UpsId;

/// The byte-exact DUMPALL of dummy-ups 2.8.0 with the lab's `.dev` file.
const DUMP: &str = concat!(
    "SETINFO battery.charge \"100\"\nSETFLAGS battery.charge RW\n",
    "SETINFO battery.runtime \"1800\"\nSETFLAGS battery.runtime RW\n",
    "SETINFO battery.voltage \"27.3\"\nSETFLAGS battery.voltage RW\n",
    "SETINFO device.mfr \"Acme\"\nSETAUX device.mfr 32\nSETFLAGS device.mfr RW STRING\n",
    "SETINFO device.model \"Simulated 1500\"\nSETAUX device.model 32\nSETFLAGS device.model RW STRING\n",
    "SETINFO device.serial \"SIM0001\"\nSETINFO device.type \"ups\"\n",
    "SETINFO driver.name \"dummy-ups\"\nSETINFO driver.parameter.mode \"dummy-once\"\n",
    "SETINFO driver.parameter.pollinterval \"2\"\nSETINFO driver.parameter.port \"dummy.dev\"\n",
    "SETINFO driver.parameter.synchronous \"auto\"\nSETINFO driver.version \"2.8.0\"\n",
    "SETINFO driver.version.internal \"0.15\"\n",
    "SETINFO input.frequency \"50.0\"\nSETFLAGS input.frequency RW\n",
    "SETINFO input.voltage \"230.0\"\nSETFLAGS input.voltage RW\n",
    "SETINFO output.voltage \"230.0\"\nSETFLAGS output.voltage RW\n",
    "SETINFO ups.delay.shutdown \"20\"\nSETFLAGS ups.delay.shutdown RW\n",
    "SETINFO ups.delay.start \"30\"\nSETFLAGS ups.delay.start RW\n",
    "SETINFO ups.load \"23\"\nSETFLAGS ups.load RW\n",
    "SETINFO ups.mfr \"Acme\"\nSETAUX ups.mfr 32\nSETFLAGS ups.mfr RW STRING\n",
    "SETINFO ups.model \"Simulated 1500\"\nSETAUX ups.model 32\nSETFLAGS ups.model RW STRING\n",
    "SETINFO ups.serial \"SIM0001\"\nSETAUX ups.serial 32\nSETFLAGS ups.serial RW STRING\n",
    "SETINFO ups.status \"OL\"\nSETAUX ups.status 32\nSETFLAGS ups.status RW STRING\n",
    "ADDCMD load.off\nDATAOK\nDUMPDONE\n",
);

/// A second UPS with ENUM and RANGE variables (apcsmart / nutdrv_qx shapes).
const DUMP_RICH: &str = concat!(
    "SETINFO input.transfer.high \"253\"\nADDENUM input.transfer.high \"253\"\n",
    "ADDENUM input.transfer.high \"264\"\nADDENUM input.transfer.high \"271\"\n",
    "SETFLAGS input.transfer.high RW\n",
    "SETINFO ups.delay.shutdown \"30\"\nADDRANGE ups.delay.shutdown 12 600\n",
    "SETFLAGS ups.delay.shutdown RW NUMBER\n",
    "SETINFO ups.id \"UPS_IDEN\"\nSETAUX ups.id 8\nSETFLAGS ups.id RW STRING\n",
    "SETINFO ups.bad \"x\"\nSETFLAGS ups.bad RW STRING\n",
    "SETINFO ups.status \"OL\"\nADDCMD test.battery.start\nDATAOK\nDUMPDONE\n",
);

const USERS: &str = "[admin]\n password = adminpass\n actions = SET\n actions = FSD\n instcmds = ALL\n\
[monuser]\n password = monpass\n upsmon primary\n[secuser]\n password = secpass\n upsmon secondary\n";

pub(super) struct Fixture {
    pub(super) server: Server,
    pub(super) now: Instant,
    ids: Vec<UpsId>,
}

impl Fixture {
    pub(super) fn new() -> Self {
        let device = |name: &str, desc: Option<&str>| UpsdDevice {
            name: name.into(),
            driver: "dummy-ups".into(),
            port: "x.dev".into(),
            desc: desc.map(Into::into),
        };
        let mut config = ServerConfig::new(vec![
            device("dummy", Some("Dummy UPS for interop tests")),
            device("rich", None),
        ]);
        config.users = Users::parse("upsd.users".as_ref(), USERS.as_bytes()).expect("users");
        config.descriptions = Descriptions::parse(
            "cmdvartab".as_ref(),
            b"VARDESC ups.status \"UPS status\"\nVARDESC battery.charge \"Battery charge (percent of full)\"\n\
              CMDDESC load.off \"Turn off the load immediately\"\n",
        )
        .0;
        let mut server = Server::new(config);
        let mut counter = 0u8;
        server.set_random_source(Box::new(move || {
            counter = counter.wrapping_add(1);
            [counter; 16]
        }));
        let now = Instant::now();
        let ids = server.ups_ids();
        let mut fixture = Self { server, now, ids };
        fixture.connect(0, DUMP);
        fixture.connect(1, DUMP_RICH);
        fixture
    }

    fn connect(&mut self, which: usize, dump: &str) {
        let id = self.ids[which];
        self.server.handle_driver_connected(id, self.now);
        self.server
            .handle_driver_input(id, self.now, dump.as_bytes());
        let _ = self.driver_bytes(which);
    }

    fn driver_bytes(&mut self, which: usize) -> String {
        let mut out = Vec::new();
        let _ = self.server.poll_driver_transmit(self.ids[which], &mut out);
        String::from_utf8(out).expect("ascii")
    }

    pub(super) fn session(&mut self) -> Session {
        self.server
            .open_session("127.0.0.1".parse().expect("address"), self.now)
    }

    /// Sends each line on its own and returns the replies in order.
    fn talk(&mut self, session: &mut Session, lines: &[&str]) -> String {
        let mut out = Vec::new();
        for line in lines {
            let bytes = format!("{line}\n");
            session.handle_input(&mut self.server, self.now, bytes.as_bytes(), &mut out);
        }
        String::from_utf8(out).expect("ascii")
    }

    fn logs(&mut self) -> Vec<String> {
        std::iter::from_fn(|| self.server.poll_log())
            .map(|r| r.message)
            .collect()
    }
}

/// Checks request/reply pairs one at a time.
fn expect(fixture: &mut Fixture, session: &mut Session, pairs: &[(&str, &str)]) {
    for (request, want) in pairs {
        let got = fixture.talk(session, &[request]);
        assert_eq!(got, *want, "request {request:?}");
    }
}

#[test]
fn read_only_commands_answer_like_upsd() {
    let mut f = Fixture::new();
    let mut s = f.session();
    expect(
        &mut f,
        &mut s,
        &[
            (
                "VER",
                "Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/\n",
            ),
            ("NETVER", "1.3\n"),
            ("PROTVER", "1.3\n"),
            (
                "HELP",
                "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS\n",
            ),
            (
                "LIST UPS",
                "BEGIN LIST UPS\nUPS dummy \"Dummy UPS for interop tests\"\n\
                 UPS rich \"Description unavailable\"\nEND LIST UPS\n",
            ),
            ("GET VAR dummy ups.status", "VAR dummy ups.status \"OL\"\n"),
            (
                "GET TYPE dummy ups.status",
                "TYPE dummy ups.status RW STRING:32\n",
            ),
            (
                "GET TYPE dummy battery.charge",
                "TYPE dummy battery.charge RW NUMBER\n",
            ),
            (
                "GET TYPE dummy driver.name",
                "TYPE dummy driver.name NUMBER\n",
            ),
            (
                "GET DESC dummy ups.status",
                "DESC dummy ups.status \"UPS status\"\n",
            ),
            (
                "GET DESC dummy device.mfr",
                "DESC dummy device.mfr \"Description unavailable\"\n",
            ),
            (
                "GET DESC dummy upstream.ups.status",
                "DESC dummy upstream.ups.status \"Description unavailable\"\n",
            ),
            (
                "GET CMDDESC dummy LOAD.OFF",
                "CMDDESC dummy LOAD.OFF \"Turn off the load immediately\"\n",
            ),
            (
                "GET UPSDESC dummy",
                "UPSDESC dummy \"Dummy UPS for interop tests\"\n",
            ),
            ("GET UPSDESC rich", "UPSDESC rich \"Unavailable\"\n"),
            ("GET NUMLOGINS dummy", "NUMLOGINS dummy 0\n"),
            (
                "LIST CMD dummy",
                "BEGIN LIST CMD dummy\nCMD dummy load.off\nEND LIST CMD dummy\n",
            ),
            (
                "LIST ENUM dummy ups.status",
                "BEGIN LIST ENUM dummy ups.status\nEND LIST ENUM dummy ups.status\n",
            ),
            (
                "LIST RANGE dummy battery.charge",
                "BEGIN LIST RANGE dummy battery.charge\nEND LIST RANGE dummy battery.charge\n",
            ),
            (
                "LIST CLIENT dummy",
                "BEGIN LIST CLIENT dummy\nEND LIST CLIENT dummy\n",
            ),
            ("GET TRACKING", "OFF\n"),
            ("GET TRACKING 1E4A3B6E", "ERR FEATURE-NOT-CONFIGURED\n"),
            ("STARTTLS", "ERR FEATURE-NOT-CONFIGURED\n"),
        ],
    );
    let list = f.talk(&mut s, &["LIST VAR DUMMY"]);
    let lines: Vec<_> = list.lines().collect();
    assert_eq!(lines.len(), 26);
    assert_eq!(lines[0], "BEGIN LIST VAR DUMMY");
    assert_eq!(lines[1], "VAR DUMMY battery.charge \"100\"");
    assert_eq!(lines[24], "VAR DUMMY ups.status \"OL\"");
    assert_eq!(lines[25], "END LIST VAR DUMMY");
    let rw = f.talk(&mut s, &["LIST RW dummy"]);
    assert_eq!(rw.lines().count(), 2 + 15);
    assert!(!rw.contains("driver.name"));
}

#[test]
fn enum_range_and_type_words() {
    let mut f = Fixture::new();
    let mut s = f.session();
    expect(
        &mut f,
        &mut s,
        &[
            (
                "GET TYPE rich input.transfer.high",
                "TYPE rich input.transfer.high RW ENUM NUMBER\n",
            ),
            (
                "GET TYPE rich ups.delay.shutdown",
                "TYPE rich ups.delay.shutdown RW RANGE NUMBER\n",
            ),
            ("GET TYPE rich ups.id", "TYPE rich ups.id RW STRING:8\n"),
            (
                "LIST ENUM rich input.transfer.high",
                "BEGIN LIST ENUM rich input.transfer.high\n\
                 ENUM rich input.transfer.high \"253\"\nENUM rich input.transfer.high \"264\"\n\
                 ENUM rich input.transfer.high \"271\"\nEND LIST ENUM rich input.transfer.high\n",
            ),
            (
                "LIST RANGE rich ups.delay.shutdown",
                "BEGIN LIST RANGE rich ups.delay.shutdown\n\
                 RANGE rich ups.delay.shutdown \"12\" \"600\"\nEND LIST RANGE rich ups.delay.shutdown\n",
            ),
            ("LIST ENUM rich nosuch", "ERR VAR-NOT-SUPPORTED\n"),
            ("LIST RANGE rich nosuch", "ERR VAR-NOT-SUPPORTED\n"),
            ("USERNAME admin", "OK\n"),
            ("PASSWORD adminpass", "OK\n"),
            (
                "SET VAR rich ups.delay.shutdown 99999",
                "ERR INVALID-VALUE\n",
            ),
            ("SET VAR rich ups.delay.shutdown abc", "ERR INVALID-VALUE\n"),
            ("SET VAR rich ups.delay.shutdown 120", "OK\n"),
            (
                "SET VAR rich input.transfer.high 999",
                "ERR INVALID-VALUE\n",
            ),
            ("SET VAR rich input.transfer.high 271", "OK\n"),
            ("SET VAR rich ups.id TOOLONGID1", "ERR TOO-LONG\n"),
            ("SET VAR rich ups.id EIGHTCHR", "OK\n"),
            ("SET VAR rich ups.bad y", "ERR SET-FAILED\n"),
            ("INSTCMD rich test.battery.start", "OK\n"),
        ],
    );
    assert_eq!(
        f.driver_bytes(1),
        "SET ups.delay.shutdown \"120\"\nSET input.transfer.high \"271\"\n\
         SET ups.id \"EIGHTCHR\"\nINSTCMD test.battery.start\n"
    );
    assert!(
        f.logs()
            .contains(&"UPS [rich]: auxdata for ups.bad is invalid".to_owned())
    );
}

#[test]
fn errors_and_parser_behaviour_unauthenticated() {
    let mut f = Fixture::new();
    let mut s = f.session();
    expect(
        &mut f,
        &mut s,
        &[
            ("GET VAR nosuch ups.status", "ERR UNKNOWN-UPS\n"),
            ("GET VAR dummy no.such.var", "ERR VAR-NOT-SUPPORTED\n"),
            ("LIST VAR nosuch", "ERR UNKNOWN-UPS\n"),
            ("FOO", "ERR UNKNOWN-COMMAND\n"),
            ("", "ERR UNKNOWN-COMMAND\n"),
            ("# just a comment", "ERR UNKNOWN-COMMAND\n"),
            ("GET", "ERR INVALID-ARGUMENT\n"),
            ("GET VAR dummy", "ERR INVALID-ARGUMENT\n"),
            ("GET FOO dummy x", "ERR INVALID-ARGUMENT\n"),
            ("LIST", "ERR INVALID-ARGUMENT\n"),
            ("LIST FOO", "ERR INVALID-ARGUMENT\n"),
            ("LIST CLIENT", "ERR INVALID-ARGUMENT\n"),
            ("VER extra", "ERR INVALID-ARGUMENT\n"),
            ("USERNAME", "ERR INVALID-ARGUMENT\n"),
            ("LOGOUT x", "ERR INVALID-ARGUMENT\n"),
            (
                "GET VAR dummy ups.status extra args",
                "VAR dummy ups.status \"OL\"\n",
            ),
            ("SET VAR dummy ups.load 50", "ERR USERNAME-REQUIRED\n"),
            ("SET VAR dummy", "ERR USERNAME-REQUIRED\n"),
            ("SET", "ERR USERNAME-REQUIRED\n"),
            ("INSTCMD nosuch load.off", "ERR USERNAME-REQUIRED\n"),
            ("FSD dummy", "ERR USERNAME-REQUIRED\n"),
            ("LOGIN dummy", "ERR USERNAME-REQUIRED\n"),
            ("PRIMARY a b", "ERR USERNAME-REQUIRED\n"),
            ("PASSWORD x", "OK\n"),
            ("LOGIN dummy", "ERR USERNAME-REQUIRED\n"),
            ("USERNAME admin", "OK\n"),
            ("USERNAME admin", "ERR ALREADY-SET-USERNAME\n"),
            ("PASSWORD wrong", "ERR ALREADY-SET-PASSWORD\n"),
            ("SET VAR dummy ups.load 50", "ERR ACCESS-DENIED\n"),
            ("get var dummy ups.status", "VAR dummy ups.status \"OL\"\n"),
            ("GET VAR DUMMY UPS.STATUS", "VAR DUMMY UPS.STATUS \"OL\"\n"),
            (
                "GET VAR \"dummy\" \"ups.status\"",
                "VAR dummy ups.status \"OL\"\n",
            ),
            (
                "   GET   VAR   dummy   ups.status  ",
                "VAR dummy ups.status \"OL\"\n",
            ),
            (
                "GET\tVAR\tdummy\tups.status\r",
                "VAR dummy ups.status \"OL\"\n",
            ),
            (
                "GET VAR dum\\my ups.status",
                "VAR dummy ups.status \"OL\"\n",
            ),
            ("GET VAR 'dummy' ups.status", "ERR UNKNOWN-UPS\n"),
            ("GET TYPE dummy nosuch", "ERR VAR-NOT-SUPPORTED\n"),
            (
                "GET DESC dummy nosuch",
                "DESC dummy nosuch \"Description unavailable\"\n",
            ),
            (
                "GET DESC dummy a=b",
                "DESC dummy a \"Description unavailable\"\n",
            ),
            (
                "GET VAR nosuch server.version",
                "VAR nosuch server.version \"2.8.0\"\n",
            ),
            (
                "GET VAR \"a b\" SERVER.INFO",
                "VAR a b server.info \"Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/\"\n",
            ),
            ("GET VAR dummy server.foo", "ERR VAR-NOT-SUPPORTED\n"),
            ("GET TYPE dummy server.version", "ERR VAR-NOT-SUPPORTED\n"),
        ],
    );
}

#[test]
fn pipelined_lines_quotes_and_nul_bytes() {
    let mut f = Fixture::new();
    let mut s = f.session();
    let mut out = Vec::new();
    let input = b"VER\nNETVER\nGET VAR dummy ups.status\nVER\0\n";
    s.handle_input(&mut f.server, f.now, input, &mut out);
    let version = "Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/";
    assert_eq!(
        String::from_utf8(out).expect("ascii"),
        format!("{version}\n1.3\nVAR dummy ups.status \"OL\"\n{version}\n")
    );
    // An open quote swallows the newline: the joined line is one request.
    let mut out = Vec::new();
    s.handle_input(
        &mut f.server,
        f.now,
        b"GET VAR dummy \"ups.status\n",
        &mut out,
    );
    assert!(out.is_empty());
    s.handle_input(&mut f.server, f.now, b"VER\"\n", &mut out);
    assert_eq!(out, b"ERR VAR-NOT-SUPPORTED\n");
    // `#` inside quotes: no answer, a log line, and the next line works.
    let mut out = Vec::new();
    s.handle_input(&mut f.server, f.now, b"GET VAR dummy \"a#b\"\n", &mut out);
    assert!(out.is_empty());
    assert!(
        f.logs()
            .contains(&"Parse error on sock: Unbalanced word due to unescaped # in quotes".into())
    );
    let mut out = Vec::new();
    s.handle_input(&mut f.server, f.now, b"NETVER\n", &mut out);
    assert_eq!(out, b"1.3\n");
    // A line without LF is never answered.
    let mut out = Vec::new();
    assert_eq!(
        s.handle_input(&mut f.server, f.now, b"VER", &mut out),
        Next::Continue
    );
    assert!(out.is_empty());
}

#[test]
fn long_lines_up_to_the_limit_are_answered_and_longer_ones_close() {
    let mut f = Fixture::new();
    let mut s = f.session();
    let head = "GET VAR dummy ups.status ";
    let fill = MAX_LINE_BYTES - head.len();
    let at_limit = format!("{head}{}\n", "x".repeat(fill));
    let mut out = Vec::new();
    let next = s.handle_input(&mut f.server, f.now, at_limit.as_bytes(), &mut out);
    assert_eq!(next, Next::Continue);
    assert_eq!(out, b"VAR dummy ups.status \"OL\"\n");
    let over = format!("{head}{}\n", "x".repeat(fill + 1));
    let mut out = Vec::new();
    let next = s.handle_input(&mut f.server, f.now, over.as_bytes(), &mut out);
    assert_eq!(next, Next::Close);
    assert!(out.is_empty());
}

#[test]
fn authentication_set_tracking_instcmd_fsd_logout() {
    let mut f = Fixture::new();
    let mut s = f.session();
    expect(
        &mut f,
        &mut s,
        &[
            ("USERNAME admin", "OK\n"),
            ("PASSWORD adminpass", "OK\n"),
            ("SET TRACKING ON", "OK\n"),
            ("GET TRACKING", "ON\n"),
            (
                "SET VAR dummy ups.load 61",
                "OK TRACKING 01010101-0101-4101-8101-010101010101\n",
            ),
            (
                "GET TRACKING 01010101-0101-4101-8101-010101010101",
                "PENDING\n",
            ),
        ],
    );
    assert_eq!(
        f.driver_bytes(0),
        "SET ups.load \"61\" TRACKING 01010101-0101-4101-8101-010101010101\n"
    );
    let id = f.ids[0];
    f.server.handle_driver_input(
        id,
        f.now,
        b"SETINFO ups.load \"61\"\nTRACKING 01010101-0101-4101-8101-010101010101 0\n",
    );
    expect(
        &mut f,
        &mut s,
        &[
            (
                "GET TRACKING 01010101-0101-4101-8101-010101010101",
                "SUCCESS\n",
            ),
            ("GET VAR dummy ups.load", "VAR dummy ups.load \"61\"\n"),
            (
                "GET TRACKING 00000000-0000-0000-0000-000000000000",
                "ERR UNKNOWN\n",
            ),
            (
                "INSTCMD dummy load.off 5",
                "OK TRACKING 02020202-0202-4202-8202-020202020202\n",
            ),
            ("INSTCMD dummy load.on", "ERR CMD-NOT-SUPPORTED\n"),
            ("INSTCMD dummy", "ERR INVALID-ARGUMENT\n"),
            ("SET VAR dummy no.such.var 1", "ERR VAR-NOT-SUPPORTED\n"),
            ("SET VAR dummy driver.name foo", "ERR READONLY\n"),
            (
                "SET VAR dummy ups.model 0123456789012345678901234567890123456789",
                "ERR TOO-LONG\n",
            ),
            ("SET TRACKING maybe", "ERR INVALID-ARGUMENT\n"),
            ("SET FOO", "ERR INVALID-ARGUMENT\n"),
            ("LOGIN dummy", "ERR ACCESS-DENIED\n"),
            ("MASTER dummy", "ERR ACCESS-DENIED\n"),
            ("SET TRACKING off", "OK\n"),
            ("SET VAR DUMMY UPS.LOAD 43", "OK\n"),
            ("FSD dummy", "OK FSD-SET\n"),
            (
                "GET VAR dummy ups.status",
                "VAR dummy ups.status \"FSD OL\"\n",
            ),
            ("FSD nosuch", "ERR UNKNOWN-UPS\n"),
        ],
    );
    assert_eq!(
        f.driver_bytes(0),
        "INSTCMD load.off 5 TRACKING 02020202-0202-4202-8202-020202020202\nSET UPS.LOAD \"43\"\n"
    );
    let logs = f.logs();
    assert!(logs.contains(
        &"Set variable: admin@127.0.0.1 set ups.load on dummy to 61 (tracking ID: 01010101-0101-4101-8101-010101010101)"
            .into()
    ));
    assert!(logs.contains(
        &"Instant command: admin@127.0.0.1 did load.off with value 5 on dummy (tracking ID: 02020202-0202-4202-8202-020202020202)"
            .into()
    ));
    assert!(logs.contains(&"Client admin@127.0.0.1 set FSD on UPS [dummy]".into()));
    let list = f.talk(&mut s, &["LIST VAR dummy"]);
    assert!(list.contains("VAR dummy ups.status \"FSD OL\"\n"));
    let rw = f.talk(&mut s, &["LIST RW dummy"]);
    assert!(rw.contains("RW dummy ups.status \"OL\"\n"));
    // A line after LOGOUT in the same read is answered and, as in upsd,
    // keeps the connection; LOGOUT alone closes it.
    let mut out = Vec::new();
    let next = s.handle_input(&mut f.server, f.now, b"LOGOUT\nNETVER\n", &mut out);
    assert_eq!(next, Next::Continue);
    assert_eq!(out, b"OK Goodbye\n1.3\n");
    let mut out = Vec::new();
    let next = s.handle_input(&mut f.server, f.now, b"LOGOUT\n", &mut out);
    assert_eq!(next, Next::Close);
    assert_eq!(out, b"OK Goodbye\n");
    // Tracking is per connection.
    let mut other = f.session();
    expect(
        &mut f,
        &mut other,
        &[
            (
                "GET TRACKING 01010101-0101-4101-8101-010101010101",
                "ERR FEATURE-NOT-CONFIGURED\n",
            ),
            ("GET TRACKING", "OFF\n"),
        ],
    );
}

#[test]
fn upsmon_roles_login_counting_and_list_client() {
    let mut f = Fixture::new();
    let mut mon = f.session();
    expect(
        &mut f,
        &mut mon,
        &[
            ("USERNAME monuser", "OK\n"),
            ("PASSWORD monpass", "OK\n"),
            ("LOGIN DUMMY", "OK\n"),
            ("LOGIN dummy", "ERR ALREADY-LOGGED-IN\n"),
            ("LOGIN nosuch", "ERR ALREADY-LOGGED-IN\n"),
            ("GET NUMLOGINS dummy", "NUMLOGINS dummy 1\n"),
            (
                "LIST CLIENT DUMMY",
                "BEGIN LIST CLIENT DUMMY\nCLIENT dummy 127.0.0.1\nEND LIST CLIENT DUMMY\n",
            ),
            ("MASTER dummy", "OK MASTER-GRANTED\n"),
            ("PRIMARY dummy", "OK PRIMARY-GRANTED\n"),
            ("MASTER nosuch", "ERR UNKNOWN-UPS\n"),
            ("SET VAR dummy ups.load 10", "ERR ACCESS-DENIED\n"),
            ("INSTCMD dummy load.off", "ERR ACCESS-DENIED\n"),
            ("FSD dummy", "OK FSD-SET\n"),
        ],
    );
    let mut sec = f.session();
    expect(
        &mut f,
        &mut sec,
        &[
            ("USERNAME secuser", "OK\n"),
            ("PASSWORD secpass", "OK\n"),
            ("LOGIN nosuch", "ERR UNKNOWN-UPS\n"),
            ("PRIMARY dummy", "ERR ACCESS-DENIED\n"),
            ("FSD dummy", "ERR ACCESS-DENIED\n"),
            ("LOGIN dummy", "OK\n"),
            ("GET NUMLOGINS dummy", "NUMLOGINS dummy 2\n"),
        ],
    );
    f.server.close_session(&mon);
    let mut reader = f.session();
    expect(
        &mut f,
        &mut reader,
        &[("GET NUMLOGINS dummy", "NUMLOGINS dummy 1\n")],
    );
    let logs = f.logs();
    assert!(logs.contains(&"User monuser@127.0.0.1 logged into UPS [dummy]".into()));
    assert!(logs.contains(&"Client monuser@127.0.0.1 tried to login twice".into()));
}

#[test]
fn driver_down_and_stale_data_answer_per_command() {
    let mut f = Fixture::new();
    let mut s = f.session();
    let id = f.ids[0];
    f.server.handle_driver_lost(id, None);
    let down = "ERR DRIVER-NOT-CONNECTED\n";
    expect(
        &mut f,
        &mut s,
        &[
            ("GET VAR dummy ups.status", down),
            ("LIST VAR dummy", down),
            ("LIST CMD dummy", down),
            ("LIST RW dummy", down),
            ("GET TYPE dummy ups.status", down),
            ("GET NUMLOGINS dummy", down),
            ("GET DESC dummy ups.status", down),
            (
                "LIST UPS",
                "BEGIN LIST UPS\nUPS dummy \"Dummy UPS for interop tests\"\n\
                 UPS rich \"Description unavailable\"\nEND LIST UPS\n",
            ),
            (
                "GET UPSDESC dummy",
                "UPSDESC dummy \"Dummy UPS for interop tests\"\n",
            ),
            (
                "LIST CLIENT dummy",
                "BEGIN LIST CLIENT dummy\nEND LIST CLIENT dummy\n",
            ),
            ("USERNAME admin", "OK\n"),
            ("PASSWORD adminpass", "OK\n"),
            ("SET VAR dummy ups.load 1", down),
            ("INSTCMD dummy load.off", down),
            ("FSD dummy", "OK FSD-SET\n"),
        ],
    );
    // Reconnect: WAIT first, FSD survives.
    f.server.handle_driver_connected(id, f.now);
    expect(
        &mut f,
        &mut s,
        &[
            (
                "GET VAR dummy ups.status",
                "VAR dummy ups.status \"FSD WAIT\"\n",
            ),
            (
                "GET TYPE dummy ups.status",
                "TYPE dummy ups.status NUMBER\n",
            ),
        ],
    );
    f.server.handle_driver_input(id, f.now, DUMP.as_bytes());
    expect(
        &mut f,
        &mut s,
        &[(
            "GET VAR dummy ups.status",
            "VAR dummy ups.status \"FSD OL\"\n",
        )],
    );
    // Silence: PING after 6 s, stale after 16 s, alive again on any line.
    let _ = f.driver_bytes(0);
    f.now += Duration::from_secs(6);
    expect(
        &mut f,
        &mut s,
        &[("GET VAR dummy ups.load", "VAR dummy ups.load \"23\"\n")],
    );
    assert_eq!(f.server.poll_driver_wakeup(), Some(id));
    assert_eq!(f.driver_bytes(0), "PING\n");
    f.now += Duration::from_secs(10);
    let stale = "ERR DATA-STALE\n";
    expect(
        &mut f,
        &mut s,
        &[
            ("GET VAR dummy ups.status", stale),
            ("LIST VAR dummy", stale),
            ("GET DESC dummy ups.status", stale),
            ("GET NUMLOGINS dummy", stale),
            (
                "LIST CLIENT dummy",
                "BEGIN LIST CLIENT dummy\nEND LIST CLIENT dummy\n",
            ),
            ("GET UPSDESC rich", "UPSDESC rich \"Unavailable\"\n"),
        ],
    );
    assert!(
        f.logs()
            .contains(&"Data for UPS [dummy] is stale - check driver".into())
    );
    f.server.handle_driver_input(id, f.now, b"PONG\n");
    expect(
        &mut f,
        &mut s,
        &[(
            "GET VAR dummy ups.status",
            "VAR dummy ups.status \"FSD OL\"\n",
        )],
    );
    assert!(
        f.logs()
            .contains(&"UPS [dummy] data is no longer stale".into())
    );
}

#[test]
fn idle_timeout_counts_from_the_last_complete_line() {
    let mut f = Fixture::new();
    let mut s = f.session();
    let start = f.now;
    assert_eq!(s.poll_timeout(), start + IDLE_TIMEOUT);
    f.now += Duration::from_secs(30);
    let mut out = Vec::new();
    s.handle_input(&mut f.server, f.now, b"VE", &mut out);
    assert_eq!(s.poll_timeout(), start + IDLE_TIMEOUT);
    s.handle_input(&mut f.server, f.now, b"R\n", &mut out);
    assert_eq!(s.poll_timeout(), f.now + IDLE_TIMEOUT);
    assert!(!s.is_idle(f.now + Duration::from_secs(60)));
    assert!(s.is_idle(f.now + IDLE_TIMEOUT));
}
