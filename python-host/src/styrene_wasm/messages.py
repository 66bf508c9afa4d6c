"""Drop-in for ``styrened.models.messages``, its schema made by ``styrene.wasm``.

styrened's SQLAlchemy models (``Base``, ``Message``, ``PageCache``,
``SavedSite``) and helpers stay styrened's own; ``init_db`` and
``get_session`` create and migrate ``messages.db`` through the component,
which leaves the file exactly as styrened's ``init_db`` does. Without the
component, styrened's own module is used.
"""

from __future__ import annotations

from styrened.models.messages import (
    Base,
    Message,
    MessageStatus,
    PageCache,
    SavedSite,
    backfill_contacts_identity_hash,
)

from ._native import unavailable_reason

if unavailable_reason() is None:
    from ._messages import get_session, init_db

    IMPLEMENTATION = "component"
else:
    from styrened.models.messages import get_session, init_db  # type: ignore[no-redef]

    IMPLEMENTATION = "styrened"

__all__ = [
    "Base",
    "Message",
    "MessageStatus",
    "PageCache",
    "SavedSite",
    "backfill_contacts_identity_hash",
    "get_session",
    "init_db",
]
# what activate() swaps in
NAMES = ("init_db", "get_session")
