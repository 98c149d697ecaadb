//! Any bytes as a CSV, in every CSV flavour: reading must never panic, whatever the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_intake::{Format, Options, read};

fuzz_target!(|data: &[u8]| {
    for format in [Format::Csv, Format::Google, Format::Outlook, Format::Linkedin] {
        if let Ok(intake) = read(format, data, &Options::default()) {
            for row in intake.rows {
                if row.is_err() {
                    break;
                }
            }
        }
    }
});
