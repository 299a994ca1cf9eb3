//! Any string: the field-ciphertext parser returns a value or an error, never panics, and a
//! value prints back to exactly the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orderveil_cipher::FieldCiphertext;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(ct) = FieldCiphertext::parse(s) {
            assert_eq!(ct.to_string(), s);
        }
    }
});
