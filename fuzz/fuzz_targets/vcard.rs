//! Any bytes as a vCard file: reading must never panic or loop, whatever the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_intake::{Format, Options, read};

fuzz_target!(|data: &[u8]| {
    if let Ok(intake) = read(Format::Vcard, data, &Options::default()) {
        for row in intake.rows {
            if row.is_err() {
                break;
            }
        }
    }
});
