//! Transports against a real fake printer on 127.0.0.1: byte-exact jobs, `~HS` and `<ESC>!?`
//! answers, a silent printer reported offline within the timeout, device files.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use idstation_labels::fake_printer::{Answers, FakePrinter, HS_READY as HS_OK};
use idstation_labels::status::{parse_tsc_status, parse_zebra_hs};
use idstation_labels::{Language, PrinterState, Transport, TransportError};

const HS_PAPER_OUT_HEAD_OPEN: &[u8] = b"\x02030,1,0,1245,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,1,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n";

/// A printer that answers `~HS` with `hs` and `<ESC>!?` with "paper out", or neither.
fn fake_printer(hs: Option<&'static [u8]>) -> FakePrinter {
    FakePrinter::start(Answers {
        zebra: hs.map(<[u8]>::to_vec),
        tsc: hs.map(|_| 0x04),
    })
}

fn tcp(port: u16) -> Transport {
    Transport::Tcp {
        host: "127.0.0.1".into(),
        port,
    }
}

#[test]
fn tcp_job_arrives_byte_exact() {
    let p = fake_printer(Some(HS_OK));
    let job: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    tcp(p.port)
        .send(&job, true, "t", Duration::from_secs(3))
        .expect("sent");
    assert_eq!(p.wait_jobs(1), vec![job]);
}

#[test]
fn zebra_status_is_read_and_parsed() {
    let p = fake_printer(Some(HS_OK));
    let st = tcp(p.port).status(Language::Zpl, Duration::from_secs(2));
    assert_eq!(st.state, PrinterState::Ready, "{st:?}");
    let p = fake_printer(Some(HS_PAPER_OUT_HEAD_OPEN));
    let st = tcp(p.port).status(Language::Zpl, Duration::from_secs(2));
    assert_eq!(st.state, PrinterState::Error);
    assert_eq!(
        st.flags,
        vec!["paper_out".to_string(), "head_open".to_string()]
    );
}

#[test]
fn tsc_status_byte_is_read() {
    let p = fake_printer(Some(HS_OK));
    let st = tcp(p.port).status(Language::Tspl, Duration::from_secs(2));
    assert_eq!(st.flags, vec!["paper_out".to_string()]);
    assert_eq!(parse_tsc_status(0).state, PrinterState::Ready);
    assert_eq!(parse_tsc_status(0x11).flags, vec!["head_open", "paused"]);
}

#[test]
fn silent_printer_is_offline_within_the_timeout() {
    let p = fake_printer(None);
    let t0 = Instant::now();
    let st = tcp(p.port).status(Language::Zpl, Duration::from_millis(500));
    let took = t0.elapsed();
    assert_eq!(st.state, PrinterState::Offline);
    // It waited for the answer (not offline at once), and it gave up: the bound is far above
    // the timeout, so a loaded machine cannot fail it, and far below a hang.
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_secs(20),
        "{took:?}"
    );
}

#[test]
fn dead_printer_is_offline() {
    // Bind then drop: nothing listens on that port now.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let e = tcp(port)
        .send(b"^XA^XZ", true, "t", Duration::from_millis(500))
        .expect_err("offline");
    assert!(matches!(e, TransportError::Offline(_)));
    assert!(e.is_transient());
    assert_eq!(
        tcp(port)
            .status(Language::Zpl, Duration::from_millis(300))
            .state,
        PrinterState::Offline
    );
}

#[test]
fn garbage_status_answers_are_no_status() {
    for junk in [
        &b""[..],
        b"\x02\x03",
        b"\x02a\x03\x02b\x03\x02c\x03",
        // Twelve and eleven empty fields: the shape of an answer, none of its numbers.
        b"\x02,,,,,,,,,,,,\x03\x02,,,,,,,,,,,\x03\x02,\x03",
        b"\x02030,1,0,1245,000,0,0,0,000,0,0,x\x03\x02000,0,1,0,0,2,4,0,00000000,1,000\x03\x021234,0\x03",
        b"\x02\xff\xfe\x03",
        b"HTTP/1.1 400 Bad Request\r\n\r\n",
    ] {
        assert_eq!(
            parse_zebra_hs(junk),
            None,
            "{:?} is no printer's status",
            String::from_utf8_lossy(junk)
        );
    }
    let ok = parse_zebra_hs(HS_OK).expect("a ready printer's answer");
    assert_eq!(ok.state, PrinterState::Ready);
    let bad = parse_zebra_hs(HS_PAPER_OUT_HEAD_OPEN).expect("an answer");
    assert_eq!(bad.state, PrinterState::Error);
}

#[test]
fn device_file_receives_the_bytes() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("lp0");
    std::fs::write(&f, b"").expect("create");
    let t = Transport::Device { path: f.clone() };
    t.send(b"SIZE 50 mm,30 mm\r\n", true, "t", Duration::from_secs(2))
        .expect("sent");
    assert_eq!(std::fs::read(&f).expect("read"), b"SIZE 50 mm,30 mm\r\n");
    let missing = Transport::Device {
        path: dir.path().join("nope/lp9"),
    };
    assert!(missing
        .send(b"x", true, "t", Duration::from_secs(1))
        .is_err());
}

#[test]
fn transports_parse_from_text() {
    assert_eq!(
        Transport::parse("192.168.1.50"),
        Some(Transport::Tcp {
            host: "192.168.1.50".into(),
            port: 9100
        })
    );
    assert_eq!(
        Transport::parse("tcp://printer.lab:9101"),
        Some(Transport::Tcp {
            host: "printer.lab".into(),
            port: 9101
        })
    );
    assert_eq!(
        Transport::parse("cups://localhost:8631/zebra"),
        Some(Transport::Cups {
            queue: "zebra".into(),
            server: Some("localhost:8631".into())
        })
    );
    assert!(matches!(
        Transport::parse("/dev/usb/lp0"),
        Some(Transport::Device { .. })
    ));
    assert_eq!(Transport::parse("cups://bad queue"), None);
    assert_eq!(Transport::parse("host:notaport"), None);
}
