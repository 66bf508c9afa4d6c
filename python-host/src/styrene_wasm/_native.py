"""Whether the component can be used here, decided once per process."""

from __future__ import annotations

import importlib
import os
import threading

_lock = threading.Lock()
_decided = False
_reason: str | None = None


def unavailable_reason() -> str | None:
    """``None`` when the component loads; otherwise why not (logged once)."""
    global _decided, _reason
    if _decided:
        return _reason
    with _lock:
        if not _decided:
            _reason = _probe()
            if _reason is not None:
                import logging  # only when there is something to say: it costs milliseconds to import

                logging.getLogger("styrene_wasm").warning(
                    "styrene.wasm not used, falling back to styrened's pure-Python modules: %s", _reason
                )
            _decided = True
    return _reason


def _probe() -> str | None:
    if os.environ.get("STYRENE_NATIVE", "1").strip().lower() in ("0", "false", "no", "off"):
        return "disabled by STYRENE_NATIVE=0"
    try:
        from . import _loader
    except ImportError as e:  # no wasmtime wheel for this platform, or not installed
        return f"wasmtime is not importable ({e})"
    try:
        _loader.load()
        _loader.check()
    except Exception as e:
        return f"{type(e).__name__}: {e}"
    return None


def export(namespace: dict, names: tuple[str, ...], component: str, upstream: str) -> str:
    """Fills a drop-in module's namespace with `names` from the component-backed
    module (`component`, relative to this package), or from styrened's own
    (`upstream`) when the component cannot be used; returns which it took."""
    if unavailable_reason() is None:
        implementation, which = importlib.import_module(component, __package__), "component"
    else:
        implementation, which = importlib.import_module(upstream), "styrened"
    namespace.update({name: getattr(implementation, name) for name in names})
    namespace["__all__"] = [name for name in names if not name.startswith("_")]
    return which
