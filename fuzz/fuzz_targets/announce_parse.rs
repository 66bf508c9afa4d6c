//! Announce app_data: styrened's parser, with and without each aspect hint,
//! never panics, and a fingerprint it keeps is one that sanitising accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use styrene_nodes::{DeviceType, parse_announce_data, sanitize_fingerprint, try_lxmf_parse};

fuzz_target!(|data: &[u8]| {
    let hint = data.first().and_then(|b| DeviceType::ALL.get(usize::from(*b % 9)).copied());
    let info = parse_announce_data(Some(data), hint);
    if let Some(fingerprint) = &info.system_fingerprint {
        assert_eq!(sanitize_fingerprint(Some(fingerprint)).as_deref(), Some(fingerprint.as_str()));
    }
    let _ = try_lxmf_parse(data, hint);
});
