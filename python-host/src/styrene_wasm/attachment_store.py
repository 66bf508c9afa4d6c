"""Drop-in for ``styrened.services.attachment_store``, backed by ``styrene.wasm``.

Every name of styrened 0.18.0's module (spec section 8.5) with the same
signatures; without the component, styrened's own module is used.
"""

from __future__ import annotations

from ._native import unavailable_reason

if unavailable_reason() is None:
    from ._attachment_store import (
        _MAX_FILENAME_LEN as _MAX_FILENAME_LEN,
        DEFAULT_MAX_FILE_SIZE,
        DEFAULT_STORAGE_BUDGET,
        PEER_DIR_PREFIX_LEN,
        AttachmentStore,
        _sanitize_filename as _sanitize_filename,
        get_attachment_store,
        set_attachment_store,
    )

    IMPLEMENTATION = "component"
else:
    # styrened's names in place of the component's: to a type checker, the
    # component's declarations stand for both (styrened ships no type information)
    from styrened.services.attachment_store import (  # type: ignore[no-redef]
        _MAX_FILENAME_LEN as _MAX_FILENAME_LEN,
        DEFAULT_MAX_FILE_SIZE,
        DEFAULT_STORAGE_BUDGET,
        PEER_DIR_PREFIX_LEN,
        AttachmentStore,
        _sanitize_filename as _sanitize_filename,
        get_attachment_store,
        set_attachment_store,
    )

    IMPLEMENTATION = "styrened"

__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "DEFAULT_STORAGE_BUDGET",
    "PEER_DIR_PREFIX_LEN",
    "AttachmentStore",
    "get_attachment_store",
    "set_attachment_store",
]
# what activate() swaps in: the public names and the private ones styrened's code and tests use
NAMES = (*__all__, "_sanitize_filename", "_MAX_FILENAME_LEN")
