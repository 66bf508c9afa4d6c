"""styrened's logic as one WASI component, loaded through PyPI ``wasmtime``.

``styrene_wasm.wire`` is a drop-in for ``styrened.models.styrene_wire``;
:func:`activate` makes an installed styrened use it without editing styrened.
"""

from __future__ import annotations

from typing import Any

from . import _activate
from ._activate import activate
from ._errors import ComponentTrap, DeadlineExceeded, InstanceUnavailable, MemoryLimitExceeded
from ._native import unavailable_reason

__version__ = "0.1.0"
__all__ = [
    "ComponentTrap",
    "DeadlineExceeded",
    "InstanceUnavailable",
    "MemoryLimitExceeded",
    "activate",
    "info",
    "unavailable_reason",
]


def info() -> dict[str, Any]:
    """What is loaded and how: implementation, component version, world, cache."""
    reason = unavailable_reason()
    details: dict[str, Any] = {
        "package": __version__,
        "implementation": "component" if reason is None else "styrened (pure Python fallback)",
        "activated": _activate.active,
    }
    if reason is not None:
        details["fallback_reason"] = reason
        return details
    from . import _loader, _wit

    loaded = _loader.load()
    details.update(
        {
            "component_version": _loader.bind(_wit.INFO, "version")(),
            "world": _loader.bind(_wit.INFO, "world-name")(),
            "wasm": str(loaded.wasm),
            "wasmtime": _loader.WASMTIME_VERSION,
            "cache": str(loaded.artifact),
            "loaded_from_cache": loaded.from_cache,
            "load_ms": round(loaded.load_seconds * 1e3, 2),
            "core_lane": "in use" if loaded.lane is not None else f"not used: {loaded.lane_reason}",
        }
    )
    if loaded.lane is not None:
        details["core_lane_from_cache"] = loaded.lane.from_cache
    details.update({f"lane {name}": lane for name, lane in _lanes().items()})
    return details


def _lanes() -> dict[str, str]:
    """Which lane each drop-in module's calls run on."""
    import importlib

    lanes = {}
    for name, implementation in (("wire", "_wire"), ("mesh_device", "_mesh_device"), ("pqc_crypto", "_pqc")):
        module = importlib.import_module(f".{implementation}", __name__)
        bound = {getattr(v, "lane", None) for v in vars(module).values()} - {None}
        lanes[name] = "core module (stateless calls)" if bound == {"core"} else "component"
    for name in ("node_store", "attachment_store", "pqc_session"):
        lanes[name] = "component (resources)"
    return lanes
