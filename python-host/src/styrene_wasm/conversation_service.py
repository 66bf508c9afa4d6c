"""styrened's conversation service (the repository's
``styrened/services/conversation_service.py``, not in the 0.18.0 wheel) on
``messages.db`` inside ``styrene.wasm``.

``ConversationService``, ``ConversationInfo``, ``MessageInfo``,
``MessageStatus`` and ``DeliveryTracker`` with the repository's API. styrened
0.18.0 has no such module to fall back to, so importing this one without a
usable component raises ``ImportError`` saying why.
"""

from __future__ import annotations

from ._native import unavailable_reason

_reason = unavailable_reason()
if _reason is not None:
    raise ImportError(
        f"styrene_wasm.conversation_service needs the component ({_reason}); "
        "styrened 0.18.0 has no conversation service to fall back to"
    )

from ._conversation_service import (  # noqa: E402
    ConversationInfo,
    ConversationService,
    DeliveryTracker,
    MessageInfo,
    MessageStatus,
)

IMPLEMENTATION = "component"

__all__ = ["ConversationInfo", "ConversationService", "DeliveryTracker", "MessageInfo", "MessageStatus"]
