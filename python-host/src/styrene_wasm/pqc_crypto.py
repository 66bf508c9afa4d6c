"""Drop-in for ``styrened.crypto.pqc_crypto``, backed by ``styrene.wasm``.

Every name of styrened 0.18.0's module (spec section 8.4) with the same
signatures and exceptions (``ValueError``, ``cryptography``'s ``InvalidTag``).
ML-KEM-768 is in the component, so ``pqc_available()`` is true without liboqs.
Without the component, styrened's own module is used.
"""

from __future__ import annotations

from ._native import export

NAMES = (
    "PQCNotAvailableError",
    "pqc_available",
    "kem_generate_keypair",
    "kem_encapsulate",
    "kem_decapsulate",
    "x25519_generate_keypair",
    "x25519_derive_shared",
    "hybrid_kdf",
    "aes_gcm_encrypt",
    "aes_gcm_decrypt",
    "ratchet_key",
)

IMPLEMENTATION = export(globals(), NAMES, "._pqc", "styrened.crypto.pqc_crypto")
