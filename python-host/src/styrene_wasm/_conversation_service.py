"""The component-backed conversation service: styrened's ``ConversationService``
(the repository's ``services/conversation_service.py``, spec section 5.2) on
``messages.db`` inside ``styrene.wasm`` (``styrene:core/messages``).

The service keeps styrened's API: it takes the SQLAlchemy engine styrened
makes for ``messages.db`` and uses only its file name. The queries, the
unread counts and the delivery trackers live in the component, on one open
connection that shares the file with every other SQLite program as
``nodes.db`` is shared; what is Python's stays here: ``json`` for the fields,
display names from the contact service or node store, attachment files
through ``styrened.services.attachment_store``, and the exceptions
SQLAlchemy would raise.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wasmtime import WasmtimeError

from . import _loader, _wit
from ._wit import MESSAGES, SHORTCUTS

logger = logging.getLogger(__name__)

# a message store keeps a 64 MiB page cache (styrene-store's CACHE_MIB) beside
# what its calls need: its instance gets more memory than a stateless one
MEMORY_LIMIT = 160 << 20


@dataclass
class ConversationInfo:
    """Summary information about a conversation."""

    peer_hash: str
    display_name: str | None
    unread_count: int
    last_message_time: float | None
    last_message_preview: str | None
    last_message_outgoing: bool | None
    message_count: int
    attachment_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The INBOX_RESPONSE item."""
        return {
            "peer_hash": self.peer_hash,
            "display_name": self.display_name,
            "unread_count": self.unread_count,
            "last_message_time": self.last_message_time,
            "last_message_preview": self.last_message_preview,
            "last_message_outgoing": self.last_message_outgoing,
            "message_count": self.message_count,
            "attachment_count": self.attachment_count,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversationInfo:
        return cls(
            peer_hash=data.get("peer_hash", ""),
            display_name=data.get("display_name"),
            unread_count=data.get("unread_count", 0),
            last_message_time=data.get("last_message_time"),
            last_message_preview=data.get("last_message_preview"),
            last_message_outgoing=data.get("last_message_outgoing"),
            message_count=data.get("message_count", 0),
            attachment_count=data.get("attachment_count", 0),
        )


@dataclass
class MessageInfo:
    """One message, as the MESSAGES_RESPONSE items carry it."""

    id: int
    source_hash: str
    destination_hash: str
    timestamp: float
    content: str | None
    title: str | None
    protocol: str
    status: str
    is_outgoing: bool
    signature_valid: bool | None = None
    transport_encrypted: bool | None = None
    delivery_method: str | None = None
    delivery_attempts: int = 0
    lxmf_hash: str | None = None
    has_attachment: bool = False
    attachment_type: str | None = None
    attachment_name: str | None = None
    attachment_size: int | None = None
    attachment_mime: str | None = None
    attachment_path: str | None = None
    thread_id: str | None = None
    reply_to_hash: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The MESSAGES_RESPONSE item: attachment keys only with an attachment."""
        result: dict[str, Any] = {
            "id": self.id,
            "source_hash": self.source_hash,
            "destination_hash": self.destination_hash,
            "timestamp": self.timestamp,
            "content": self.content,
            "title": self.title,
            "protocol": self.protocol,
            "status": self.status,
            "is_outgoing": self.is_outgoing,
            "signature_valid": self.signature_valid,
            "transport_encrypted": self.transport_encrypted,
            "delivery_method": self.delivery_method,
            "delivery_attempts": self.delivery_attempts,
            "lxmf_hash": self.lxmf_hash,
            "has_attachment": self.has_attachment,
            "thread_id": self.thread_id,
            "reply_to_hash": self.reply_to_hash,
        }
        if self.has_attachment:
            result["attachment_type"] = self.attachment_type
            result["attachment_name"] = self.attachment_name
            result["attachment_size"] = self.attachment_size
            result["attachment_mime"] = self.attachment_mime
            if self.attachment_path:
                result["attachment_path"] = self.attachment_path
        return result

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MessageInfo:
        return cls(
            id=data.get("id", 0),
            source_hash=data.get("source_hash", ""),
            destination_hash=data.get("destination_hash", ""),
            timestamp=data.get("timestamp", 0.0),
            content=data.get("content"),
            title=data.get("title"),
            protocol=data.get("protocol", ""),
            status=data.get("status", "pending"),
            is_outgoing=data.get("is_outgoing", False),
            signature_valid=data.get("signature_valid"),
            transport_encrypted=data.get("transport_encrypted"),
            delivery_method=data.get("delivery_method"),
            delivery_attempts=data.get("delivery_attempts", 0),
            lxmf_hash=data.get("lxmf_hash"),
            has_attachment=data.get("has_attachment", False),
            attachment_type=data.get("attachment_type"),
            attachment_name=data.get("attachment_name"),
            attachment_size=data.get("attachment_size"),
            attachment_mime=data.get("attachment_mime"),
            attachment_path=data.get("attachment_path"),
            thread_id=data.get("thread_id"),
            reply_to_hash=data.get("reply_to_hash"),
        )

    @classmethod
    def from_message(cls, msg: Any, local_identity_hash: str) -> MessageInfo:
        """From anything with ``Message``'s attributes (a SQLAlchemy row included):
        columns first, then the fields JSON for title, signature and encryption."""
        # "{}" is what most rows hold: it parses to what json.loads gives, without the call
        fields = {} if msg.fields == "{}" or not msg.fields else json.loads(msg.fields)
        signature_valid = msg.signature_valid
        if signature_valid is None:
            signature_valid = fields.get("signature_valid")
        transport_encrypted = msg.transport_encrypted
        if transport_encrypted is None:
            transport_encrypted = fields.get("transport_encrypted")
        return cls(
            id=msg.id,
            source_hash=msg.source_hash,
            destination_hash=msg.destination_hash,
            timestamp=msg.timestamp,
            content=msg.content,
            title=msg.title if msg.title else fields.get("title"),
            protocol=msg.protocol_id,
            status=msg.status,
            is_outgoing=msg.source_hash == local_identity_hash,
            signature_valid=signature_valid,
            transport_encrypted=transport_encrypted,
            delivery_method=msg.delivery_method,
            delivery_attempts=msg.delivery_attempts or 0,
            lxmf_hash=msg.lxmf_hash,
            has_attachment=msg.has_attachment or False,
            attachment_type=msg.attachment_type,
            attachment_name=msg.attachment_name,
            attachment_size=msg.attachment_size,
            attachment_mime=msg.attachment_mime,
            attachment_path=msg.attachment_path,
            thread_id=msg.thread_id,
            reply_to_hash=msg.reply_to_hash,
        )


class MessageStatus:
    """Message delivery status values."""

    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    RECEIVED = "received"


@dataclass
class DeliveryTracker:
    """An in-flight message awaiting its delivery callback."""

    message_id: int
    lxmf_hash: bytes
    created_at: float = field(default_factory=time.time)


# the `message` record, read by name: a reordered .wit file fails at import
_MESSAGE_FIELDS = (
    "id",
    "source_hash",
    "destination_hash",
    "timestamp",
    "content",
    "title",
    "fields",
    "protocol_id",
    "status",
    "delivery_method",
    "delivery_attempts",
    "lxmf_hash",
    "signature_valid",
    "transport_encrypted",
    "read_by_recipient",
    "read_by_recipient_at",
    "read_receipt_sent",
    "has_attachment",
    "attachment_type",
    "attachment_name",
    "attachment_size",
    "attachment_mime",
    "attachment_data",
    "attachment_path",
    "thread_id",
    "reply_to_hash",
)
_wit.fields(MESSAGES, "message", _MESSAGE_FIELDS)
_CONVERSATION_FIELDS = (
    "peer_hash",
    "unread_count",
    "last_message_time",
    "last_message_preview",
    "last_message_outgoing",
    "message_count",
    "attachment_count",
)
_wit.fields(MESSAGES, "conversation", _CONVERSATION_FIELDS)
_DRAFT_FIELDS = (
    "peer",
    "content",
    "timestamp",
    "title",
    "fields",
    "lxmf_hash",
    "delivery_method",
    "delivery_attempts",
    "signature_valid",
    "transport_encrypted",
    "thread_id",
    "reply_to_hash",
    "has_attachment",
    "attachment_type",
    "attachment_name",
    "attachment_size",
    "attachment_mime",
    "attachment_path",
)
_wit.fields(MESSAGES, "draft", _DRAFT_FIELDS)
_FOUND, _INVALID_QUERY = _wit.cases(MESSAGES, "search-outcome", ("found", "invalid-query"))
_PACKED_FOUND, _PACKED_INVALID = _wit.cases(SHORTCUTS, "packed-search", ("found", "invalid-query"))
_DELIVERED, _FAILED = _wit.cases(MESSAGES, "delivery", ("delivered", "failed"))
_errors = _wit.Errors(
    MESSAGES,
    "[static]conversation-service.open",
    ("not-a-database", "corrupt", "foreign-schema", "io", "sqlite", "busy"),
)


class _Row:
    """A `message` record (a tuple, or a packed JSON array, in field order)
    with ``Message``'s attribute names."""

    __slots__ = _MESSAGE_FIELDS

    def __init__(self, record: Any) -> None:
        for name, value in zip(_MESSAGE_FIELDS, record, strict=True):
            setattr(self, name, value)


def _raise(error: tuple[int, Any]) -> Any:
    """The exception SQLAlchemy raises for what SQLite said."""
    from sqlalchemy.exc import DatabaseError, OperationalError

    name, message = _errors.read(error)
    if name == "busy":
        raise OperationalError("messages.db", None, sqlite3.OperationalError("database is locked"))
    if name == "sqlite":
        raise OperationalError("messages.db", None, sqlite3.OperationalError(message))
    raise DatabaseError("messages.db", None, sqlite3.DatabaseError(f"{name}: {message}"))


def _check(result: tuple[bool, Any]) -> Any:
    ok, value = result
    return value if ok else _raise(value)


def _database_path(engine: Any) -> Path | None:
    """The file behind a SQLAlchemy engine (or a path given directly); ``None``
    for a database in memory."""
    if isinstance(engine, (str, Path)):
        return Path(engine)
    database = getattr(getattr(engine, "url", None), "database", None)
    if not database or database == ":memory:":
        return None
    return Path(database)


class _Service:
    """The component instance that holds one service's open `messages.db`."""

    def __init__(self, path: Path | None, local: str) -> None:
        self.path = path
        self.local = local
        self.lock = threading.RLock()
        self.instance: Any = None
        self.handle: Any = None
        self._start()

    def _start(self) -> None:
        if self.path is None:
            self.instance = _loader.Instance(_loader.load(), memory_limit=MEMORY_LIMIT)
            opened = self.instance.func(MESSAGES, "[static]conversation-service.open-image")(b"", self.local)
        else:
            self.instance = _loader.Instance(
                _loader.load(), directory=self.path.parent, memory_limit=MEMORY_LIMIT
            )
            opened = self.instance.func(MESSAGES, "[static]conversation-service.open")(
                self.path.name, self.local
            )
        try:
            self.handle = _check(opened)
        except BaseException:
            self.instance.discard()
            self.instance = None
            raise

    def call(self, method: str, *args: Any) -> Any:
        """A method of the open service; a trap discards the instance (SQLite
        rolls back a half-done write when the file is next opened)."""
        with self.lock:
            if self.handle is None:
                self._start()
            try:
                return self.instance.call_method(MESSAGES, "conversation-service", method, self.handle, *args)
            except WasmtimeError as trap:
                stderr = bytes(self.instance.stderr)
                self.instance.discard()
                self.handle = self.instance = None
                raise _loader.trap_error(trap, f"conversation-service.{method}", stderr) from None

    def checked(self, method: str, *args: Any) -> Any:
        return _check(self.call(method, *args))

    def packed(self, function: str, *args: Any) -> Any:
        """A ``shortcuts`` function on the open service: its messages come back
        as one JSON text, which crosses in one copy where records cross field
        by field."""
        with self.lock:
            if self.handle is None:
                self._start()
            try:
                return _check(self.instance.call_func(SHORTCUTS, function, self.handle, *args))
            except WasmtimeError as trap:
                stderr = bytes(self.instance.stderr)
                self.instance.discard()
                self.handle = self.instance = None
                raise _loader.trap_error(trap, function, stderr) from None

    def close(self) -> None:
        with self.lock:
            if self.handle is not None:
                try:
                    self.handle.drop(self.instance.store)
                except WasmtimeError:
                    pass
                self.instance.discard()
            self.handle = self.instance = None


def _peers(peer_hash: str, additional: list[str] | None) -> list[str]:
    return [peer_hash, *(h for h in (additional or []) if h != peer_hash)]


def _draft(peer: str, content: str, timestamp: float | None, **given: Any) -> tuple[Any, ...]:
    """The `draft` record of a message to save: `given` holds the other fields
    by name (absent ones are None, or 0 and False), converted as styrened stores them."""
    values: dict[str, Any] = {name: given.get(name) for name in _DRAFT_FIELDS}
    values["peer"], values["content"] = peer, content
    values["timestamp"] = time.time() if timestamp is None else float(timestamp)
    # Message.set_fields_dict: compact JSON, only for a non-empty dict
    fields = given.get("fields")
    values["fields"] = json.dumps(fields, separators=(",", ":")) if fields else None
    lxmf_hash = given.get("lxmf_hash")
    values["lxmf_hash"] = None if lxmf_hash is None else bytes(lxmf_hash)
    values["delivery_attempts"] = int(given.get("delivery_attempts") or 0)
    values["has_attachment"] = bool(given.get("has_attachment"))
    return tuple(values[name] for name in _DRAFT_FIELDS)


class ConversationService:
    """Conversations, history, unread tracking and delivery status for LXMF chat,
    on ``messages.db`` inside the component.

    ``db_engine`` is the SQLAlchemy engine styrened opens ``messages.db`` with
    (a path works too); ``local_identity_hash`` is the local LXMF delivery
    destination hash. Thread-safe: calls are serialised per service.
    """

    def __init__(
        self,
        db_engine: Any,
        local_identity_hash: str,
        node_store: Any | None = None,
        contact_service: Any | None = None,
    ) -> None:
        self._db_engine = db_engine
        self._local_identity_hash = local_identity_hash
        self._node_store = node_store
        self._contact_service = contact_service
        self._service = _Service(_database_path(db_engine), local_identity_hash)
        self._initialized = False

    def initialize(self) -> None:
        """Loads the unread counts from the database (once)."""
        if self._initialized:
            return
        self._service.checked("reload-unread-counts")
        self._initialized = True

    def shutdown(self) -> None:
        """Forgets the unread counts and the delivery trackers."""
        self._service.call("clear-caches")
        self._initialized = False

    def close(self) -> None:
        """Closes the database connection (styrened's service has none to close)."""
        self._service.close()

    def cleanup_stale_deliveries(self, max_age: float = 3600.0) -> int:
        """Forgets delivery trackers older than `max_age` seconds; how many."""
        stale = self._service.call("cleanup-stale-deliveries", float(max_age))
        for message_id in stale:
            logger.warning(f"Removed stale delivery tracker for message {message_id} (age > {max_age}s)")
        if stale:
            logger.info(f"Cleaned up {len(stale)} stale delivery tracker(s)")
        return len(stale)

    def _conversation(self, record: tuple[Any, ...], display_name: str | None) -> ConversationInfo:
        peer, unread, last_time, preview, outgoing, count, attachments = record
        return ConversationInfo(
            peer_hash=peer,
            display_name=display_name,
            unread_count=unread,
            last_message_time=last_time,
            last_message_preview=preview,
            last_message_outgoing=outgoing,
            message_count=count,
            attachment_count=attachments,
        )

    def list_conversations(self) -> list[ConversationInfo]:
        """Every conversation, the most recent first."""
        records = self._service.checked("list-conversations")
        return [self._conversation(r, self._get_display_name(r[0])) for r in records]

    def get_conversation(self, peer_hash: str) -> ConversationInfo | None:
        record = self._service.checked("get-conversation", peer_hash)
        return None if record is None else self._conversation(record, self._get_display_name(peer_hash))

    def _infos(self, records: list[Any]) -> list[MessageInfo]:
        local = self._local_identity_hash
        return [MessageInfo.from_message(_Row(r), local) for r in records]

    def _unpacked(self, text: str) -> list[MessageInfo]:
        """Packed messages (JSON arrays in `message` field order) as ``MessageInfo``,
        by the same rules as :meth:`MessageInfo.from_message`, unpacked in place."""
        local = self._local_identity_hash
        infos = []
        for (
            id_,
            source,
            destination,
            timestamp,
            content,
            title,
            fields,
            protocol,
            status,
            delivery_method,
            attempts,
            lxmf_hash,
            signature_valid,
            encrypted,
            _read_by_recipient,
            _read_at,
            _receipt_sent,
            has_attachment,
            attachment_type,
            attachment_name,
            attachment_size,
            attachment_mime,
            _attachment_data,
            attachment_path,
            thread_id,
            reply_to_hash,
        ) in json.loads(text):
            parsed = {} if fields == "{}" or not fields else json.loads(fields)
            infos.append(
                MessageInfo(
                    id_,
                    source,
                    destination,
                    timestamp,
                    content,
                    title if title else parsed.get("title"),
                    protocol,
                    status,
                    source == local,
                    parsed.get("signature_valid") if signature_valid is None else signature_valid,
                    parsed.get("transport_encrypted") if encrypted is None else encrypted,
                    delivery_method,
                    attempts or 0,
                    lxmf_hash,
                    has_attachment or False,
                    attachment_type,
                    attachment_name,
                    attachment_size,
                    attachment_mime,
                    attachment_path,
                    thread_id,
                    reply_to_hash,
                )
            )
        return infos

    def get_messages(
        self,
        peer_hash: str,
        limit: int = 50,
        before_timestamp: float | None = None,
        status_filter: str | None = None,
        additional_peer_hashes: list[str] | None = None,
    ) -> list[MessageInfo]:
        """The newest `limit` messages with the peer, oldest first."""
        before = None
        if before_timestamp is not None:
            if (
                not isinstance(before_timestamp, (int, float))
                or before_timestamp < 0
                or math.isnan(before_timestamp)
                or math.isinf(before_timestamp)
            ):
                logger.warning(f"Invalid before_timestamp: {before_timestamp}, ignoring")
            else:
                before = float(before_timestamp)
        packed = self._service.packed(
            "get-messages-packed",
            _peers(peer_hash, additional_peer_hashes),
            int(limit),
            before,
            status_filter,
        )
        return self._unpacked(packed)

    def search_messages(self, query: str, peer_hash: str | None = None, limit: int = 50) -> list[MessageInfo]:
        """FTS5 search over content and titles, newest first; an invalid query
        finds nothing (and is logged)."""
        case, payload = self._service.packed("search-messages-packed", query, peer_hash or None, int(limit))
        if case == _PACKED_INVALID:
            logger.warning(f"Invalid FTS5 query syntax: {query!r} - {payload}")
            return []
        return self._unpacked(payload)

    def save_incoming_message(
        self,
        source_hash: str,
        content: str,
        timestamp: float | None = None,
        title: str | None = None,
        fields: dict[str, Any] | None = None,
        lxmf_hash: bytes | None = None,
        delivery_method: str | None = None,
        signature_valid: bool | None = None,
        transport_encrypted: bool | None = None,
        thread_id: str | None = None,
        reply_to_hash: str | None = None,
        has_attachment: bool = False,
        attachment_type: str | None = None,
        attachment_name: str | None = None,
        attachment_size: int | None = None,
        attachment_mime: str | None = None,
        attachment_path: str | None = None,
    ) -> int:
        """Saves a received chat message; returns its id."""
        draft = _draft(
            source_hash,
            content,
            timestamp,
            title=title,
            fields=fields,
            lxmf_hash=lxmf_hash,
            delivery_method=delivery_method,
            signature_valid=signature_valid,
            transport_encrypted=transport_encrypted,
            thread_id=thread_id,
            reply_to_hash=reply_to_hash,
            has_attachment=has_attachment,
            attachment_type=attachment_type,
            attachment_name=attachment_name,
            attachment_size=attachment_size,
            attachment_mime=attachment_mime,
            attachment_path=attachment_path,
        )
        message_id: int = self._service.checked("save-incoming", draft)
        logger.debug(f"Saved incoming message from {source_hash[:16]}..., id={message_id}")
        return message_id

    def save_outgoing_message(
        self,
        destination_hash: str,
        content: str,
        timestamp: float | None = None,
        title: str | None = None,
        fields: dict[str, Any] | None = None,
        lxmf_hash: bytes | None = None,
        delivery_method: str | None = None,
        delivery_attempts: int = 0,
        thread_id: str | None = None,
        reply_to_hash: str | None = None,
        has_attachment: bool = False,
        attachment_type: str | None = None,
        attachment_name: str | None = None,
        attachment_size: int | None = None,
        attachment_mime: str | None = None,
        attachment_path: str | None = None,
    ) -> int:
        """Saves a pending chat message; returns its id. With `lxmf_hash` it is
        tracked for the delivery callbacks."""
        draft = _draft(
            destination_hash,
            content,
            timestamp,
            title=title,
            fields=fields,
            lxmf_hash=lxmf_hash,
            delivery_method=delivery_method,
            delivery_attempts=delivery_attempts,
            thread_id=thread_id,
            reply_to_hash=reply_to_hash,
            has_attachment=has_attachment,
            attachment_type=attachment_type,
            attachment_name=attachment_name,
            attachment_size=attachment_size,
            attachment_mime=attachment_mime,
            attachment_path=attachment_path,
        )
        message_id: int = self._service.checked("save-outgoing", draft)
        logger.debug(f"Saved outgoing message to {destination_hash[:16]}..., id={message_id}")
        return message_id

    def update_attachment_path(self, message_id: int, path: str) -> bool:
        return bool(self._service.checked("update-attachment-path", int(message_id), str(path)))

    def update_message_status(self, message_id: int, status: str) -> bool:
        return bool(self._service.checked("update-status", int(message_id), status))

    def on_delivery_callback(self, lxmf_hash: bytes) -> None:
        message_id = self._service.checked("settle-delivery", bytes(lxmf_hash), _DELIVERED)
        if message_id is not None:
            logger.info(f"Message {message_id} delivered")

    def on_failed_callback(self, lxmf_hash: bytes) -> None:
        message_id = self._service.checked("settle-delivery", bytes(lxmf_hash), _FAILED)
        if message_id is not None:
            logger.warning(f"Message {message_id} delivery failed")

    def mark_sent(self, message_id: int) -> None:
        self.update_message_status(message_id, MessageStatus.SENT)

    def update_destination_hash(self, message_id: int, destination_hash: str) -> bool:
        return bool(self._service.checked("update-destination-hash", int(message_id), destination_hash))

    def register_delivery_tracking(self, message_id: int, lxmf_hash: bytes) -> None:
        self._service.call("register-delivery", int(message_id), bytes(lxmf_hash))

    def get_failed_messages(self, peer_hash: str | None = None) -> list[MessageInfo]:
        return self._infos(self._service.checked("failed-messages", peer_hash or None))

    def prepare_retry(self, message_id: int) -> tuple[str, str, dict[str, Any]] | None:
        """A failed message back to pending: (destination, content, fields)."""
        retry = self._service.checked("prepare-retry", int(message_id))
        if retry is None:
            logger.warning(f"Message {message_id} not found or not in FAILED state")
            return None
        destination, content, fields = retry
        return destination, content, (json.loads(fields) if fields else {})

    def mark_read(self, peer_hash: str, additional_peer_hashes: list[str] | None = None) -> int:
        return int(self._service.checked("mark-read", _peers(peer_hash, additional_peer_hashes)))

    def get_unread_count(self, peer_hash: str) -> int:
        return int(self._service.call("unread-count", peer_hash))

    def get_total_unread_count(self) -> int:
        return int(self._service.call("total-unread"))

    def delete_conversation(self, peer_hash: str, additional_peer_hashes: list[str] | None = None) -> int:
        """Deletes the conversation's messages and its attachment files."""
        peers = _peers(peer_hash, additional_peer_hashes)
        count = int(self._service.checked("delete-conversation", peers))
        for h in peers:
            try:
                _attachment_store().delete_for_peer(h)
            except Exception as e:
                logger.warning(f"Failed to clean up attachments for {h[:8]}: {e}")
        return count

    def delete_message(self, message_id: int) -> bool:
        """Deletes one message and its attachment file."""
        deleted = self._service.checked("delete-message", int(message_id))
        if deleted is None:
            return False
        if deleted:
            try:
                _attachment_store().delete(deleted)
            except Exception as e:
                logger.warning(f"Failed to delete attachment for message {message_id}: {e}")
        return True

    def purge_failed(self, peer_hash: str | None = None) -> int:
        return int(self._service.checked("purge-failed", peer_hash))

    def mark_read_by_recipient(self, lxmf_hash: str, read_at: float) -> bool:
        return bool(self._service.checked("mark-read-by-recipient", lxmf_hash, float(read_at)))

    def get_unread_hashes_for_receipt(self, peer_hash: str) -> list[str]:
        return list(self._service.checked("unread-hashes-for-receipt", peer_hash))

    def mark_receipts_sent(self, lxmf_hashes: list[str]) -> int:
        if not lxmf_hashes:
            return 0
        return int(self._service.checked("mark-receipts-sent", list(lxmf_hashes)))

    def _get_display_name(self, peer_hash: str) -> str | None:
        """The contact's alias, else the name the peer announced."""
        if self._contact_service is not None:
            name: str | None = self._contact_service.get_display_name(peer_hash)
            if name is not None:
                return name
        if self._node_store is None:
            return None
        node = self._node_store.get_node_by_lxmf_destination(peer_hash)
        if node is not None and node.name:
            return str(node.name)
        return None


def _attachment_store() -> Any:
    from styrened.services.attachment_store import get_attachment_store

    return get_attachment_store()
