//! Whatever a label printer (or anything else listening on its port) answers to a status query,
//! reading it never panics, and nothing reads as a ready printer unless it is a well-formed
//! answer: for Zebra `~HS`, three complete `<STX>…<ETX>` strings whose first two have at least
//! twelve and ten fields, every one of them digits, and no error flag set; for TSC `<ESC>!?`, a
//! byte with no error bit. The answer is read in the chunks the network delivers, as the
//! transport reads it (`count_zebra_strings` decides when to try `parse_zebra_hs`).
#![no_main]

use idstation_labels::status::{
    count_zebra_strings, parse_tsc_status, parse_zebra_hs, PrinterState, PrinterStatus,
};
use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;

const ZEBRA_FLAGS: [&str; 8] = [
    "paper_out",
    "paused",
    "buffer_full",
    "corrupt_ram",
    "under_temperature",
    "over_temperature",
    "head_open",
    "ribbon_out",
];

/// A field of an `~HS` string: mostly what printers send, sometimes anything.
#[derive(Arbitrary, Debug)]
enum HsField {
    Zero,
    One,
    Number(u16),
    Padded(u8),
    Text(String),
}

impl HsField {
    fn text(&self) -> String {
        match self {
            HsField::Zero => "0".into(),
            HsField::One => "1".into(),
            HsField::Number(n) => n.to_string(),
            HsField::Padded(n) => format!("{n:03}"),
            HsField::Text(t) => t.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Answer {
    /// Three strings of fields, framed as a printer frames them, with whatever around them.
    Framed {
        strings: Vec<Vec<HsField>>,
        separator: Vec<u8>,
        before: Vec<u8>,
        after: Vec<u8>,
    },
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Input {
    answer: Answer,
    /// Where the network splits the answer (read sizes).
    chunks: Vec<u8>,
    tsc: u8,
}

impl Answer {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Answer::Raw(b) => b.clone(),
            Answer::Framed {
                strings,
                separator,
                before,
                after,
            } => {
                let mut out = before.clone();
                for (i, s) in strings.iter().take(5).enumerate() {
                    if i > 0 {
                        out.extend_from_slice(separator);
                    }
                    out.push(0x02);
                    let fields: Vec<String> = s.iter().take(16).map(HsField::text).collect();
                    out.extend_from_slice(fields.join(",").as_bytes());
                    out.push(0x03);
                }
                out.extend_from_slice(after);
                out
            }
        }
    }
}

/// What a well-formed `~HS` answer says, worked out independently of the parser: `None` when
/// the buffer is not one.
fn well_formed(buf: &[u8]) -> Option<Vec<&'static str>> {
    let text = String::from_utf8_lossy(buf);
    let mut strings = Vec::new();
    let mut rest: &str = &text;
    while let Some(start) = rest.find('\u{2}') {
        let tail = &rest[start + 1..];
        let end = tail.find('\u{3}')?;
        strings.push(&tail[..end]);
        rest = &tail[end + 1..];
    }
    if strings.len() < 3 {
        return None;
    }
    let fields = |s: &str| -> Option<Vec<String>> {
        let f: Vec<String> = s.split(',').map(|v| v.trim().to_string()).collect();
        f.iter()
            .all(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .then_some(f)
    };
    let (s1, s2) = (fields(strings[0])?, fields(strings[1])?);
    if s1.len() < 12 || s2.len() < 10 {
        return None;
    }
    let mut flags = Vec::new();
    for (i, name) in [
        (1, "paper_out"),
        (2, "paused"),
        (5, "buffer_full"),
        (9, "corrupt_ram"),
        (10, "under_temperature"),
        (11, "over_temperature"),
    ] {
        if s1[i] == "1" {
            flags.push(name);
        }
    }
    if s2[2] == "1" {
        flags.push("head_open");
    }
    if s2[3] == "1" && s2[4] == "1" {
        flags.push("ribbon_out");
    }
    Some(flags)
}

fn check_zebra(buf: &[u8]) -> Option<PrinterStatus> {
    let parsed = parse_zebra_hs(buf);
    let expected = well_formed(buf);
    match (&parsed, &expected) {
        (None, None) => {}
        (Some(st), Some(flags)) => {
            assert_eq!(&st.flags, flags, "flags of {buf:?}");
            assert_eq!(st.state == PrinterState::Ready, flags.is_empty());
            assert_ne!(st.state, PrinterState::Offline);
            assert!(st.flags.iter().all(|f| ZEBRA_FLAGS.contains(&f.as_str())));
            // A parsed answer has its three strings, so the transport would have tried it.
            assert!(count_zebra_strings(buf) >= 3);
        }
        (Some(st), None) => panic!("{buf:?} is no well-formed answer but reads as {st:?}"),
        (None, Some(_)) => panic!("the well-formed answer {buf:?} is refused"),
    }
    parsed
}

fn run(answer: &[u8], chunks: &[u8], tsc: u8) {
    assert_eq!(
        count_zebra_strings(answer),
        answer.iter().filter(|&&b| b == 3).count()
    );
    check_zebra(answer);
    // The transport's loop: after each read, try once three strings are in.
    let mut at = 0;
    for size in chunks.iter().take(64) {
        at = (at + *size as usize + 1).min(answer.len());
        let buf = &answer[..at];
        if count_zebra_strings(buf) >= 3 && check_zebra(buf).is_some() {
            break;
        }
        if at == answer.len() {
            break;
        }
    }
    // TSC: one byte; ready exactly when no error bit is set (0x20 is "printing", 0x40 unused).
    let st = parse_tsc_status(tsc);
    assert_eq!(st.state == PrinterState::Ready, tsc & 0x9F == 0);
    assert_eq!(st.flags.len(), (tsc & 0x9F).count_ones() as usize);
    assert_eq!(st.raw, format!("0x{tsc:02X}"));
}

// A first byte under 32 takes the rest as it is: the TSC byte, then the answer as the printer
// sent it (the seeds are real answers); any other first byte builds the answer from its parts.
fuzz_target!(|data: &[u8]| {
    match data {
        [mode, tsc, answer @ ..] if *mode < 32 => run(answer, &[], *tsc),
        [_, rest @ ..] => {
            if let Ok(input) = Input::arbitrary(&mut Unstructured::new(rest)) {
                run(&input.answer.bytes(), &input.chunks, input.tsc);
            }
        }
        [] => {}
    }
});
