"""styrened's PQC session service on ``styrene.wasm`` (spec section 4.3).

styrened 0.18.0's wheel does not ship its session service (it lives in the
repository only), so there is nothing to fall back to: this module needs the
component. ``SecurityTier`` and ``PQCSessionState`` are styrened's own enums
(``styrened.models.pqc``) when styrened is installed.
"""

from __future__ import annotations

from ._native import unavailable_reason

_reason = unavailable_reason()
if _reason is not None:
    raise ImportError(f"styrene_wasm.pqc_session needs the component: {_reason}")

from ._pqc import (  # noqa: E402
    PQC_MESSAGE_TYPES,
    PQCSessionService,
    PQCSessionState,
    SecurityTier,
    SessionInfo,
)

__all__ = ["PQC_MESSAGE_TYPES", "PQCSessionService", "PQCSessionState", "SecurityTier", "SessionInfo"]
