//! The store's two clocks. Wall time stamps rows and audit entries (when, for people); hybrid-
//! logical-clock stamps order outbox ops across devices whose wall clocks disagree, and never run
//! backwards on one device, even across restarts.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use uuid::Uuid;

/// Wall time as rows and audit entries store it: RFC 3339 in UTC, to the millisecond.
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub struct Clock(uhlc::HLC);

impl Clock {
    /// `last` is the newest stamp this device wrote, so a clock set back after a restart still
    /// yields later stamps.
    pub fn new(device_id: Uuid, last: Option<&str>) -> Clock {
        let mut builder = uhlc::HLCBuilder::new()
            // Field PCs are often hours off: skew is absorbed, never a reason to refuse.
            .with_max_delta(Duration::from_secs(100 * 365 * 24 * 3600));
        if let Ok(id) = uhlc::ID::try_from(device_id.into_bytes()) {
            builder = builder.with_id(id);
        }
        let hlc = builder.build();
        if let Some(ts) = last.and_then(parse) {
            let _ = hlc.update_with_timestamp(&ts);
        }
        Clock(hlc)
    }

    pub fn now(&self) -> String {
        format(&self.0.new_timestamp())
    }
}

/// Fixed-width hex time first, so stamps sort as text in the same order as in time.
pub fn format(ts: &uhlc::Timestamp) -> String {
    format!("{:016x}-{}", ts.get_time().as_u64(), ts.get_id())
}

pub fn parse(s: &str) -> Option<uhlc::Timestamp> {
    let (time, id) = s.split_once('-')?;
    let time = u64::from_str_radix(time, 16).ok()?;
    let id: uhlc::ID = id.parse().ok()?;
    Some(uhlc::Timestamp::new(uhlc::NTP64(time), id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_increase_and_survive_a_round_trip_through_text() {
        let device = Uuid::new_v4();
        let clock = Clock::new(device, None);
        let a = clock.now();
        let b = clock.now();
        assert!(b > a);
        let parsed = parse(&b).map(|t| format(&t));
        assert_eq!(parsed.as_deref(), Some(b.as_str()));
    }

    #[test]
    fn a_reopened_clock_continues_after_the_last_stamp_even_from_the_future() {
        let device = Uuid::new_v4();
        // A stamp an hour ahead, as left by a PC whose clock was later corrected.
        let ahead = uhlc::NTP64::from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                + Duration::from_secs(3600),
        );
        let last = format(&uhlc::Timestamp::new(ahead, uhlc::ID::rand()));
        let clock = Clock::new(device, Some(&last));
        assert!(clock.now() > last);
    }

    #[test]
    fn the_node_reads_a_stamp_as_the_time_it_was_written() {
        let at = std::time::UNIX_EPOCH + Duration::from_millis(1_796_000_000_123);
        let stamp = format(&uhlc::Timestamp::new(
            uhlc::NTP64::from(at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default()),
            uhlc::ID::rand(),
        ));
        let op = idstation_model::Operation {
            op_id: Uuid::now_v7(),
            device_id: Uuid::new_v4(),
            seq: 1,
            hlc: stamp,
            entity: idstation_model::EntityKind::Instrument,
            entity_id: "88.118.8/A".into(),
            kind: idstation_model::OpKind::Create,
            payload: idstation_model::Payload::from_json("{}".into()).expect("json"),
        };
        let millis = op.written_at_unix_millis().expect("a stamp");
        assert!((millis - 1_796_000_000_123).abs() <= 1, "{millis}");
        let bad = idstation_model::Operation {
            hlc: "yesterday".into(),
            ..op
        };
        assert_eq!(bad.written_at_unix_millis(), None);
    }
}
