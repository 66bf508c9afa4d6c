"""styrened's logic as one WASI component, loaded through PyPI ``wasmtime``.

``styrene_wasm.wire`` is a drop-in for ``styrened.models.styrene_wire``;
:func:`activate` makes an installed styrened use it without editing styrened.
"""

from __future__ import annotations

import sys
from typing import Any

from ._native import unavailable_reason

__version__ = "0.1.0"
__all__ = ["activate", "info", "unavailable_reason"]

_activated = False

# the envelope methods and module functions that the component replaces
_ENVELOPE_METHODS = ("encode", "decode", "is_styrene_message")
_CLASSES = (
    "StyreneWireError",
    "InvalidPrefixError",
    "UnsupportedVersionError",
    "InvalidMessageTypeError",
    "PayloadDecodeError",
    "StyreneMessageType",
    "StyreneEnvelope",
)


def activate() -> bool:
    """Make styrened's ``styrene_wire`` run on the component. Returns whether it does.

    styrened keeps its own classes (exceptions, ``StyreneMessageType``,
    ``StyreneEnvelope``), so ``isinstance`` and ``except`` clauses anywhere keep
    working; their behaviour and the module's functions come from the
    component. Functions that other styrened modules imported by name are
    rebound too. Without the component this does nothing and returns False.
    """
    global _activated
    if unavailable_reason() is not None:
        return False
    if _activated:
        return True
    from styrened.models import styrene_wire as upstream

    from . import _wire, wire

    # our implementation raises and builds styrened's own classes from now on
    for name in _CLASSES:
        setattr(_wire, name, getattr(upstream, name))
        setattr(wire, name, getattr(upstream, name))
    _wire._members = {m.value: m for m in upstream.StyreneMessageType}
    envelope = upstream.StyreneEnvelope
    envelope.encode = _wire._encode
    envelope.decode = classmethod(_wire._decode)
    envelope.is_styrene_message = classmethod(_wire._is_styrene_message)

    functions = [n for n in wire.NAMES if callable(getattr(_wire, n)) and n not in _CLASSES]
    swaps = {id(getattr(upstream, n)): (getattr(upstream, n), getattr(_wire, n)) for n in functions}
    for module in list(sys.modules.values()):
        if module is None or not (module.__name__ == "styrened" or module.__name__.startswith("styrened.")):
            continue
        for key, value in list(vars(module).items()):
            swap = swaps.get(id(value))
            if swap is not None and swap[0] is value:
                setattr(module, key, swap[1])
    _activated = True
    return True


def info() -> dict[str, Any]:
    """What is loaded and how: implementation, component version, world, cache."""
    reason = unavailable_reason()
    details: dict[str, Any] = {
        "package": __version__,
        "implementation": "component" if reason is None else "styrened (pure Python fallback)",
        "activated": _activated,
    }
    if reason is not None:
        details["fallback_reason"] = reason
        return details
    from . import _loader

    loaded = _loader.load()
    call_info = lambda name: _loader.bind("styrene:core/info@0.1.0", name)()  # noqa: E731
    details.update(
        {
            "component_version": call_info("version"),
            "world": call_info("world-name"),
            "wasm": str(loaded.wasm),
            "wasmtime": _loader.WASMTIME_VERSION,
            "cache": str(loaded.artifact),
            "loaded_from_cache": loaded.from_cache,
            "load_ms": round(loaded.load_seconds * 1e3, 2),
        }
    )
    return details
