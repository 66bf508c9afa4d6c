"""Whether the component can be used here, decided once per process."""

from __future__ import annotations

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
