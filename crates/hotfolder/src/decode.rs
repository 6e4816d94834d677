//! Text as Excel and LIMS exports in China save it: UTF-8 (with or without BOM) or GB18030 (which
//! covers GBK and GB2312). Bytes that are neither are refused with the line and byte offset of the
//! first bad byte, never turned into replacement characters that would be imported as data.

use encoding_rs::{DecoderResult, GB18030};

use crate::config::TextEncoding;
use crate::problem::Reason;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where decoding failed, as a person finds it in an editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bad {
    byte_offset: usize,
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

fn utf8(bytes: &[u8]) -> Result<&str, Bad> {
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|e| Bad {
        byte_offset: e.valid_up_to() + (bytes.len() - body.len()),
    })
}

fn gb18030(bytes: &[u8]) -> Result<String, Bad> {
    let mut decoder = GB18030.new_decoder_without_bom_handling();
    let cap = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(cap);
    let mut read_total = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[read_total..], &mut out, true);
        read_total += read;
        match result {
            DecoderResult::InputEmpty => return Ok(out),
            DecoderResult::OutputFull => out.reserve(bytes.len() - read_total + 16),
            DecoderResult::Malformed(bad, extra) => {
                return Err(Bad {
                    byte_offset: read_total - extra as usize - bad as usize,
                })
            }
        }
    }
}

/// Chinese characters written in UTF-8 (three-byte sequences led by 0xE4-0xE9) before the
/// first byte that is not UTF-8 that say the file is UTF-8 with a bad byte: read as GB18030 it
/// would decode to mojibake without complaint. Real GB18030 text almost never holds these
/// (they need rare extension characters in a row), so a handful is proof enough.
const UTF8_EVIDENCE: usize = 8;

fn written_in_utf8(valid_prefix: &str) -> bool {
    valid_prefix
        .chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .take(UTF8_EVIDENCE)
        .count()
        >= UTF8_EVIDENCE
}

/// Decodes `bytes` as `encoding` says; `Auto` takes UTF-8 when the bytes are valid UTF-8, else
/// GB18030 (unless the text before the bad byte is plainly UTF-8: then the bad byte is
/// refused where it is). Returns the text and the encoding it was read as.
pub fn decode(bytes: &[u8], encoding: TextEncoding) -> Result<(String, &'static str), Reason> {
    let refuse = |encoding: &str, bad: Bad| Reason::NotText {
        encoding: encoding.to_string(),
        line: line_of(bytes, bad.byte_offset),
        byte_offset: bad.byte_offset,
    };
    match encoding {
        TextEncoding::Utf8 => utf8(bytes)
            .map(|s| (s.to_string(), "UTF-8"))
            .map_err(|b| refuse("UTF-8", b)),
        TextEncoding::Gb18030 => gb18030(bytes)
            .map(|s| (s, "GB18030"))
            .map_err(|b| refuse("GB18030", b)),
        TextEncoding::Auto => match utf8(bytes) {
            Ok(s) => Ok((s.to_string(), "UTF-8")),
            // A UTF-8 BOM, or Chinese written in UTF-8 before the bad byte, says what was
            // meant: report the UTF-8 fault, not a GB18030 reading.
            Err(u) if bytes.starts_with(BOM) => Err(refuse("UTF-8", u)),
            Err(u) if std::str::from_utf8(&bytes[..u.byte_offset]).is_ok_and(written_in_utf8) => {
                Err(refuse("UTF-8", u))
            }
            Err(u) => gb18030(bytes).map(|s| (s, "GB18030")).map_err(|g| {
                // Report the reading that got further: the likelier intended encoding.
                if u.byte_offset >= g.byte_offset {
                    refuse("UTF-8 / GB18030", u)
                } else {
                    refuse("UTF-8 / GB18030", g)
                }
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_or_without_bom_and_gb18030_are_read() {
        let text = "名称,型号\n数显卡尺,500-196\n";
        let (s, enc) = decode(text.as_bytes(), TextEncoding::Auto).expect("utf8");
        assert_eq!((s.as_str(), enc), (text, "UTF-8"));
        let with_bom = [BOM, text.as_bytes()].concat();
        assert_eq!(decode(&with_bom, TextEncoding::Auto).expect("bom").0, text);
        let (gbk, _, _) = GB18030.encode(text);
        let (s, enc) = decode(&gbk, TextEncoding::Auto).expect("gbk");
        assert_eq!((s.as_str(), enc), (text, "GB18030"));
        assert_eq!(decode(&gbk, TextEncoding::Gb18030).expect("forced").0, text);
    }

    #[test]
    fn bytes_that_are_neither_are_refused_at_their_line_and_offset() {
        // Line 2 ends in a lone GB18030 lead byte followed by a newline (not a trail byte).
        let mut bytes = "名称\n".as_bytes().to_vec();
        let (gbk, _, _) = GB18030.encode("卡尺");
        bytes.extend_from_slice(&gbk);
        let bad_at = bytes.len();
        bytes.extend_from_slice(b"\x81\n");
        match decode(&bytes, TextEncoding::Auto) {
            Err(Reason::NotText {
                line, byte_offset, ..
            }) => assert_eq!((line, byte_offset), (2, bad_at)),
            other => panic!("expected NotText, got {other:?}"),
        }
        // Forced UTF-8 refuses GBK at its first byte.
        match decode(&gbk, TextEncoding::Utf8) {
            Err(Reason::NotText {
                encoding,
                line,
                byte_offset,
            }) => assert_eq!((encoding.as_str(), line, byte_offset), ("UTF-8", 1, 0)),
            other => panic!("expected NotText, got {other:?}"),
        }
        // UTF-8 text with one bad byte is refused as UTF-8 where the byte is, not read as
        // GB18030 (mojibake, or a fault reported elsewhere); GB18030 text whose first
        // characters happen to be valid UTF-8 ("校准" is) is still read.
        let mut utf8 = "标识,名称,型号,所属单位,校准日期\n88.118.8/A,电子天平,"
            .as_bytes()
            .to_vec();
        let bad_at = utf8.len();
        utf8.extend_from_slice(b"\xB1\xED,BSA224S\n");
        match decode(&utf8, TextEncoding::Auto) {
            Err(Reason::NotText {
                encoding,
                line,
                byte_offset,
            }) => assert_eq!((encoding.as_str(), line, byte_offset), ("UTF-8", 2, bad_at)),
            other => panic!("expected NotText, got {other:?}"),
        }
        let (gb, _, _) = GB18030.encode("校准,型号\n数显卡尺,500-196\n");
        assert_eq!(
            decode(&gb, TextEncoding::Auto).expect("GB18030").0,
            "校准,型号\n数显卡尺,500-196\n"
        );
        // 0xFF is never GB18030.
        assert!(matches!(
            decode(b"a,b\n\xFF", TextEncoding::Gb18030),
            Err(Reason::NotText {
                line: 2,
                byte_offset: 4,
                ..
            })
        ));
    }
}
