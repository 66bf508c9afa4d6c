//! HKDF-SHA256 as `RNS.Cryptography.hkdf` computes it. It is RFC 5869 except
//! at the edges RNS reaches and the `hkdf` crate refuses: output longer than
//! 255 blocks (IFAC masks span whole frames, and a TCP frame may be 16 KiB),
//! where RNS's one-byte block counter wraps around.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// `length` bytes derived from `ikm` with `salt` and an empty context. An
/// empty salt is 32 zero bytes, as in RNS.
pub(crate) fn derive(ikm: &[u8], salt: &[u8], length: usize) -> Vec<u8> {
    let zero_salt = [0u8; 32];
    let salt = if salt.is_empty() { &zero_salt[..] } else { salt };
    let prk =
        HmacSha256::new_from_slice(salt).expect("HMAC takes any key length").chain_update(ikm).finalize();
    let expander = HmacSha256::new_from_slice(&prk.into_bytes()).expect("HMAC takes any key length");
    let mut out = Vec::with_capacity(length + 32);
    let mut block = [0u8; 32];
    let mut counter: u8 = 1;
    while out.len() < length {
        let mut mac = expander.clone();
        if out.len() >= 32 {
            mac.update(&block);
        }
        mac.update(&[counter]);
        block = mac.finalize().into_bytes().into();
        out.extend_from_slice(&block);
        counter = counter.wrapping_add(1);
    }
    out.truncate(length);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc5869_case_3() {
        // RFC 5869 test case 3 (empty salt and info).
        let ikm = [0x0b; 22];
        let okm = super::derive(&ikm, &[], 42);
        assert_eq!(
            hex::encode(okm),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
        );
    }
}
