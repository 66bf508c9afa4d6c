//! Known answers generated from Python (`tests/vectors/generate_pqc.py`):
//! styrened's `pqc_crypto`, `cryptography`, `hmac`, and kyber-py's ML-KEM-768.

use ml_kem::kem::Decapsulate;
use ml_kem::{B32, EncapsulateDeterministic, EncodedSizeUser, KemCore, MlKem768};
use serde_json::Value;
use styrene_pqc::PqcError;
use styrene_pqc::primitives::*;
use styrene_vectors::pqc_vectors;

fn hex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn cases(section: &str) -> &'static [Value] {
    pqc_vectors()[section].as_array().expect("a list of cases")
}

#[test]
fn hybrid_kdf_matches_styreneds() {
    for c in cases("hybrid_kdf") {
        let key = hybrid_kdf(&hex(&c["x25519_shared"]), &hex(&c["kem_shared"]), &hex(&c["session_id"]));
        assert_eq!(*key, hex(&c["key"]));
    }
}

#[test]
fn ratchet_key_matches_styreneds() {
    for c in cases("ratchet_key") {
        assert_eq!(*ratchet_key(&hex(&c["key"]), c["counter"].as_u64().unwrap()), hex(&c["out"]));
    }
}

#[test]
fn confirmation_macs_match_pythons_hmac() {
    for c in cases("confirmations") {
        let (key, sid, public) = (hex(&c["key"]), hex(&c["session_id"]), hex(&c["x25519_pub"]));
        let label = c["label"].as_str().unwrap().as_bytes();
        let tag = hex(&c["tag"]);
        assert_eq!(hmac_sha256(&key, &[label, &sid, &public]).to_vec(), tag);
        assert!(hmac_sha256_verify(&key, &[label, &sid, &public], &tag));
        let mut bad = tag.clone();
        bad[31] ^= 1;
        assert!(!hmac_sha256_verify(&key, &[label, &sid, &public], &bad));
        assert!(!hmac_sha256_verify(&key, &[label, &sid, &public], &tag[..31]));
    }
}

#[test]
fn aes_gcm_matches_cryptography_and_styreneds_errors() {
    let v = &pqc_vectors()["aes_gcm"];
    for c in v["cases"].as_array().unwrap() {
        let (key, plaintext, wire) = (hex(&c["key"]), hex(&c["plaintext"]), hex(&c["wire"]));
        let aad = if c["aad"].is_null() { Vec::new() } else { hex(&c["aad"]) };
        let nonce: [u8; 12] = hex(&c["nonce"]).try_into().unwrap();
        assert_eq!(aes_gcm_encrypt_with_nonce(&key, &nonce, &plaintext, &aad).unwrap(), wire);
        assert_eq!(*aes_gcm_decrypt(&key, &wire, &aad).unwrap(), plaintext);
    }
    let errors = &v["errors"];
    for c in errors["encrypt_key_sizes"].as_array().unwrap() {
        let key = vec![0u8; c["size"].as_u64().unwrap() as usize];
        let err = aes_gcm_encrypt(&key, b"x", &[], &mut SystemRandom).unwrap_err();
        assert_eq!(err, PqcError::InvalidKey(c["message"].as_str().unwrap().into()));
    }
    for c in errors["decrypt_key_sizes"].as_array().unwrap() {
        let key = vec![0u8; c["size"].as_u64().unwrap() as usize];
        let err = aes_gcm_decrypt(&key, &[0; 40], &[]).unwrap_err();
        assert_eq!(err, PqcError::InvalidKey(c["message"].as_str().unwrap().into()));
    }
    for c in errors["decrypt_short"].as_array().unwrap() {
        let data = vec![0u8; c["size"].as_u64().unwrap() as usize];
        let err = aes_gcm_decrypt(&[7; 32], &data, &[]).unwrap_err();
        assert_eq!(err, PqcError::InvalidData(c["message"].as_str().unwrap().into()));
    }
    for name in ["tampered", "wrong_aad"] {
        let c = &errors[name];
        assert_eq!(c["class"], "InvalidTag");
        assert_eq!(
            aes_gcm_decrypt(&hex(&c["key"]), &hex(&c["wire"]), &hex(&c["aad"])).unwrap_err(),
            PqcError::InvalidTag
        );
    }
}

#[test]
fn x25519_matches_cryptography() {
    let v = &pqc_vectors()["x25519"];
    for c in v["cases"].as_array().unwrap() {
        let private = hex(&c["private"]);
        assert_eq!(x25519_public_key(&private).unwrap(), hex(&c["public"]));
        assert_eq!(*x25519_derive_shared(&private, &hex(&c["peer_public"])).unwrap(), hex(&c["shared"]));
    }
    let e = &v["errors"];
    let message = |c: &Value| PqcError::InvalidKey(c["message"].as_str().unwrap().into());
    let low = &e["low_order_peer"];
    assert_eq!(
        x25519_derive_shared(&hex(&low["private"]), &hex(&low["peer_public"])).unwrap_err(),
        message(low)
    );
    assert_eq!(x25519_derive_shared(&[1; 32], &[0; 31]).unwrap_err(), message(&e["short_peer"]));
    assert_eq!(x25519_derive_shared(&[1; 31], &[9; 32]).unwrap_err(), message(&e["short_private"]));
}

#[test]
fn ml_kem_768_matches_kyber_py() {
    for c in cases("ml_kem_768") {
        let seed = |name: &str| B32::try_from(hex(&c[name]).as_slice()).unwrap();
        let (dk, ek) = MlKem768::generate_deterministic(&seed("d"), &seed("z"));
        assert_eq!(ek.as_bytes().to_vec(), hex(&c["ek"]));
        assert_eq!(dk.as_bytes().to_vec(), hex(&c["dk"]));
        let (ct, shared) = ek.encapsulate_deterministic(&seed("m")).unwrap();
        assert_eq!((ct.to_vec(), shared.to_vec()), (hex(&c["ct"]), hex(&c["shared"])));
        assert_eq!(dk.decapsulate(&ct).unwrap().to_vec(), hex(&c["shared"]));
        // the crate's own functions, on kyber-py's keys
        assert_eq!(*kem_decapsulate(&hex(&c["dk"]), &hex(&c["ct"])).unwrap(), hex(&c["shared"]));
        assert_eq!(
            *kem_decapsulate(&hex(&c["dk"]), &hex(&c["tampered_ct"])).unwrap(),
            hex(&c["rejected_shared"])
        );
        let (ct, shared) = kem_encapsulate(&hex(&c["ek"]), &mut SystemRandom).unwrap();
        assert_eq!(*kem_decapsulate(&hex(&c["dk"]), &ct).unwrap(), *shared);
    }
}

#[test]
fn ml_kem_inputs_are_checked() {
    let (pk, sk) = kem_generate_keypair(&mut SystemRandom);
    assert_eq!((pk.len(), sk.len()), (KEM_PUBLIC_KEY_SIZE, KEM_SECRET_KEY_SIZE));
    let err = kem_encapsulate(&pk[..100], &mut SystemRandom).unwrap_err();
    assert_eq!(err, PqcError::InvalidKey("ML-KEM-768 public key must be 1184 bytes, got 100".into()));
    let mut unreduced = pk.clone();
    unreduced[0] = 0xff;
    unreduced[1] |= 0x0f; // first coefficient 4095 >= q
    assert!(matches!(kem_encapsulate(&unreduced, &mut SystemRandom), Err(PqcError::InvalidKey(_))));
    let mut bad_sk = sk.to_vec();
    bad_sk[1200] ^= 1; // the embedded public key no longer matches its hash
    assert!(matches!(kem_decapsulate(&bad_sk, &[0; KEM_CIPHERTEXT_SIZE]), Err(PqcError::InvalidKey(_))));
    assert!(matches!(kem_decapsulate(&sk, &[0; 10]), Err(PqcError::InvalidKey(_))));
}
