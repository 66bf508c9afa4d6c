"""Drop-in for ``styrened.services.attachment_store``, backed by ``styrene.wasm``.

Every name of styrened 0.18.0's module (spec section 8.5) with the same
signatures; without the component, styrened's own module is used.
"""

from __future__ import annotations

from ._native import export

NAMES = (
    "DEFAULT_MAX_FILE_SIZE",
    "DEFAULT_STORAGE_BUDGET",
    "PEER_DIR_PREFIX_LEN",
    "_MAX_FILENAME_LEN",
    "_sanitize_filename",
    "AttachmentStore",
    "get_attachment_store",
    "set_attachment_store",
)

IMPLEMENTATION = export(globals(), NAMES, "._attachment_store", "styrened.services.attachment_store")
