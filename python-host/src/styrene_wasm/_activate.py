"""``activate()``: styrened's modules made to run on the component, in place."""

from __future__ import annotations

import sys
from typing import Any

from ._native import unavailable_reason

active = False


def activate() -> bool:
    """Make styrened run on the component. Returns whether it does.

    For ``styrened.models.styrene_wire`` and ``styrened.models.mesh_device``,
    styrened keeps its own classes (exceptions, enums, ``StyreneEnvelope``,
    ``MeshDevice``), so ``isinstance`` and ``except`` clauses anywhere keep
    working; their behaviour and the module functions come from the
    component. ``styrened.services.node_store`` gets the component's
    ``NodeStore``, ``get_node_store``, ``init_db`` and helpers;
    ``styrened.models.messages`` the component's ``init_db`` and
    ``get_session`` (styrened's models stay); ``styrened.crypto.pqc_crypto``
    the component's primitives, ML-KEM-768
    included, so ``pqc_available()`` turns true without liboqs;
    ``styrened.services.attachment_store`` the component's ``AttachmentStore``,
    ``_sanitize_filename`` and singleton functions. Functions that other
    styrened modules imported by name are rebound too. Call it early.
    Without the component this does nothing and returns False.
    """
    global active
    if unavailable_reason() is None and not active:
        _activate_wire()
        _activate_mesh_device()
        _activate_node_store()
        _activate_messages()
        _activate_attachment_store()
        _activate_pqc()
        active = True
    return active


def _rebind(pairs: dict[str, tuple[Any, Any]]) -> None:
    """Point every styrened module attribute that is an old object at its replacement."""
    swaps = {id(old): (old, new) for old, new in pairs.values()}
    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "")
        if module is None or not (name == "styrened" or name.startswith("styrened.")):
            continue
        for key, value in list(vars(module).items()):
            swap = swaps.get(id(value))
            if swap is not None and swap[0] is value:
                setattr(module, key, swap[1])


def _activate_wire() -> None:
    from styrened.models import styrene_wire as upstream

    from . import _wire, wire

    # our implementation raises and builds styrened's own classes from now on
    classes = (
        "StyreneWireError",
        "InvalidPrefixError",
        "UnsupportedVersionError",
        "InvalidMessageTypeError",
        "PayloadDecodeError",
        "StyreneMessageType",
        "StyreneEnvelope",
    )
    for name in classes:
        setattr(_wire, name, getattr(upstream, name))
        setattr(wire, name, getattr(upstream, name))
    _wire._members = {m.value: m for m in upstream.StyreneMessageType}
    envelope = upstream.StyreneEnvelope
    envelope.encode = _wire._encode
    envelope.decode = classmethod(_wire._decode)
    envelope.is_styrene_message = classmethod(_wire._is_styrene_message)
    functions = [n for n in wire.NAMES if callable(getattr(_wire, n)) and n not in classes]
    _rebind({n: (getattr(upstream, n), getattr(_wire, n)) for n in functions})


def _activate_mesh_device() -> None:
    from styrened.models import mesh_device as upstream

    from . import _mesh_device, mesh_device

    ours = _mesh_device.MeshDevice
    _mesh_device._adopt(upstream.DeviceType, upstream.NodeStatus, upstream.MeshDevice)
    for name in ("DeviceType", "NodeStatus", "MeshDevice"):
        setattr(_mesh_device, name, getattr(upstream, name))
        setattr(mesh_device, name, getattr(upstream, name))
    for prop in ("status", "last_seen_display"):
        setattr(upstream.MeshDevice, prop, getattr(ours, prop))
    functions = ("parse_announce_data", "create_mesh_device", "_sanitize_fingerprint", "_try_lxmf_parse")
    _rebind({n: (getattr(upstream, n), getattr(_mesh_device, n)) for n in functions})


def _activate_node_store() -> None:
    from styrened.services import node_store as upstream

    from . import _node_store, node_store

    pairs = {
        n: (getattr(upstream, n), getattr(_node_store, n))
        for n in node_store.NAMES
        if n != "MIN_PREFIX_LENGTH"
    }
    _rebind(pairs)
    upstream._node_store = None  # a singleton made before activation was styrened's own
    _node_store._singleton_home = upstream


def _activate_attachment_store() -> None:
    from styrened.services import attachment_store as upstream

    from . import _attachment_store, attachment_store

    functions = [n for n in attachment_store.NAMES if callable(getattr(_attachment_store, n))]
    _rebind({n: (getattr(upstream, n), getattr(_attachment_store, n)) for n in functions})
    upstream._attachment_store = None  # a singleton made before activation was styrened's own
    _attachment_store._singleton_home = upstream


def _activate_pqc() -> None:
    from styrened.crypto import pqc_crypto as upstream

    from . import _pqc, pqc_crypto

    functions = [n for n in pqc_crypto.NAMES if n != "PQCNotAvailableError"]
    _rebind({n: (getattr(upstream, n), getattr(_pqc, n)) for n in functions})


def _activate_messages() -> None:
    from styrened.models import messages as upstream

    from . import _messages, messages

    _rebind({n: (getattr(upstream, n), getattr(_messages, n)) for n in messages.NAMES})
