"""Drop-in for ``styrened.services.node_store``, backed by ``styrene.wasm``.

Every name of styrened 0.18.0's module (spec section 8.2) with the same
signatures; without the component, styrened's own module is used.
"""

from __future__ import annotations

from ._native import unavailable_reason

if unavailable_reason() is None:
    from ._node_store import (
        MIN_PREFIX_LENGTH,
        NodeStore,
        _db_lock as _db_lock,
        _is_valid_hash as _is_valid_hash,
        _is_valid_hash_prefix as _is_valid_hash_prefix,
        check_connection_health,
        get_db_path,
        get_node_store,
        init_db,
    )

    IMPLEMENTATION = "component"
else:
    # styrened's names in place of the component's: to a type checker, the
    # component's declarations stand for both (styrened ships no type information)
    from styrened.services.node_store import (  # type: ignore[no-redef]
        MIN_PREFIX_LENGTH,
        NodeStore,
        _db_lock as _db_lock,
        _is_valid_hash as _is_valid_hash,
        _is_valid_hash_prefix as _is_valid_hash_prefix,
        check_connection_health,
        get_db_path,
        get_node_store,
        init_db,
    )

    IMPLEMENTATION = "styrened"

__all__ = [
    "MIN_PREFIX_LENGTH",
    "NodeStore",
    "check_connection_health",
    "get_db_path",
    "get_node_store",
    "init_db",
]
# what activate() swaps in: the public names and the private ones other styrened modules use
NAMES = (*__all__, "_is_valid_hash", "_is_valid_hash_prefix", "_db_lock")
