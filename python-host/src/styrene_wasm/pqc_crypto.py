"""Drop-in for ``styrened.crypto.pqc_crypto``, backed by ``styrene.wasm``.

Every name of styrened 0.18.0's module (spec section 8.4) with the same
signatures and exceptions (``ValueError``, ``cryptography``'s ``InvalidTag``).
ML-KEM-768 is in the component, so ``pqc_available()`` is true without liboqs.
Without the component, styrened's own module is used.
"""

from __future__ import annotations

from ._native import unavailable_reason

if unavailable_reason() is None:
    from ._pqc import (
        PQCNotAvailableError,
        aes_gcm_decrypt,
        aes_gcm_encrypt,
        hybrid_kdf,
        kem_decapsulate,
        kem_encapsulate,
        kem_generate_keypair,
        pqc_available,
        ratchet_key,
        x25519_derive_shared,
        x25519_generate_keypair,
    )

    IMPLEMENTATION = "component"
else:
    # styrened's names in place of the component's: to a type checker, the
    # component's declarations stand for both (styrened ships no type information)
    from styrened.crypto.pqc_crypto import (  # type: ignore[no-redef]
        PQCNotAvailableError,
        aes_gcm_decrypt,
        aes_gcm_encrypt,
        hybrid_kdf,
        kem_decapsulate,
        kem_encapsulate,
        kem_generate_keypair,
        pqc_available,
        ratchet_key,
        x25519_derive_shared,
        x25519_generate_keypair,
    )

    IMPLEMENTATION = "styrened"

__all__ = [
    "PQCNotAvailableError",
    "aes_gcm_decrypt",
    "aes_gcm_encrypt",
    "hybrid_kdf",
    "kem_decapsulate",
    "kem_encapsulate",
    "kem_generate_keypair",
    "pqc_available",
    "ratchet_key",
    "x25519_derive_shared",
    "x25519_generate_keypair",
]
# what activate() swaps in
NAMES = tuple(__all__)
