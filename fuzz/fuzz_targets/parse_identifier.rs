//! Parsing must never panic, and every accepted input's canonical form must
//! parse back to the same identifier.
#![no_main]

use idstation_model::identifier::Identifier;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(id) = Identifier::parse(s) {
            assert_eq!(Identifier::parse(&id.to_string()), Ok(id));
        }
    }
});
