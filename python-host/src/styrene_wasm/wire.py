"""Drop-in for ``styrened.models.styrene_wire``, backed by ``styrene.wasm``.

Every public name of styrened 0.18.0's module, with the same signatures,
defaults, return types, enum members and exception messages. When the
component cannot load (no wasmtime, an unsupported platform, or
``STYRENE_NATIVE=0``) the names come from styrened's own pure-Python module
instead and the reason is logged once.
"""

from __future__ import annotations

from ._native import export

NAMES = (
    "STYRENE_PREFIX",
    "STYRENE_VERSION_1",
    "STYRENE_VERSION_2",
    "STYRENE_VERSION",
    "REQUEST_ID_LENGTH",
    "NO_CORRELATION",
    "MIN_MESSAGE_LENGTH_V1",
    "MIN_MESSAGE_LENGTH_V2",
    "MIN_MESSAGE_LENGTH",
    "MAX_PAYLOAD_SIZE",
    "MAX_MSGPACK_MAP_LEN",
    "MAX_MSGPACK_ARRAY_LEN",
    "MAX_MSGPACK_STR_LEN",
    "StyreneMessageType",
    "StyreneWireError",
    "InvalidPrefixError",
    "UnsupportedVersionError",
    "InvalidMessageTypeError",
    "PayloadDecodeError",
    "StyreneEnvelope",
    "generate_request_id",
    "encode_payload",
    "decode_payload",
    "create_ping",
    "create_pong",
    "create_status_request",
    "create_status_response",
    "create_chat",
    "create_announce",
    "create_error",
    "create_exec",
    "create_exec_result",
    "create_reboot",
    "create_reboot_result",
    "create_config_update",
    "create_config_result",
    "create_self_update",
    "create_self_update_result",
    "create_provision",
    "create_provision_result",
    "create_inbox_query",
    "create_inbox_response",
    "create_messages_query",
    "create_messages_response",
    "create_terminal_request",
    "create_terminal_accept",
    "create_terminal_reject",
    "create_terminal_resize",
    "create_terminal_signal",
    "create_terminal_close",
    "create_terminal_closed",
    "create_file_offer",
    "create_file_accept",
)

IMPLEMENTATION = export(globals(), NAMES, "._wire", "styrened.models.styrene_wire")
