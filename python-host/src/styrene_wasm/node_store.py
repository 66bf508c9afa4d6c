"""Drop-in for ``styrened.services.node_store``, backed by ``styrene.wasm``.

Every name of styrened 0.18.0's module (spec section 8.2) with the same
signatures; without the component, styrened's own module is used.
"""

from __future__ import annotations

from ._native import export

NAMES = (
    "MIN_PREFIX_LENGTH",
    "_is_valid_hash",
    "_is_valid_hash_prefix",
    "_db_lock",
    "get_db_path",
    "init_db",
    "NodeStore",
    "get_node_store",
    "check_connection_health",
)

IMPLEMENTATION = export(globals(), NAMES, "._node_store", "styrened.services.node_store")
