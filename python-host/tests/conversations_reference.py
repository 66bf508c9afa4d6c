"""styrened's path for conversations, to compare the component with.

The repository's ``ConversationService`` (styrened at commit 01726ea; not in
the 0.18.0 wheel) runs its queries through SQLAlchemy sessions on the 0.18.0
``Message`` model. This class does the same, query for query, from the facts
of spec section 5.2, so that tests and the bench can put the component beside
the path styrened takes: the same database file, the same results.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from sqlalchemy import and_, case, desc, func, literal_column, or_, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from styrened.models.messages import Message

FTS_ERRORS = ("fts5", "syntax error", "parse error", "unexpected token", "no such column", "malformed match")


def message_dict(msg: Message, local: str) -> dict[str, Any]:
    """``MessageInfo.from_message(msg, local).to_dict()``."""
    fields = json.loads(msg.fields) if msg.fields else {}
    signature_valid = (
        msg.signature_valid if msg.signature_valid is not None else fields.get("signature_valid")
    )
    encrypted = (
        msg.transport_encrypted if msg.transport_encrypted is not None else fields.get("transport_encrypted")
    )
    has_attachment = msg.has_attachment or False
    out = {
        "id": msg.id,
        "source_hash": msg.source_hash,
        "destination_hash": msg.destination_hash,
        "timestamp": msg.timestamp,
        "content": msg.content,
        "title": msg.title if msg.title else fields.get("title"),
        "protocol": msg.protocol_id,
        "status": msg.status,
        "is_outgoing": msg.source_hash == local,
        "signature_valid": signature_valid,
        "transport_encrypted": encrypted,
        "delivery_method": msg.delivery_method,
        "delivery_attempts": msg.delivery_attempts or 0,
        "lxmf_hash": msg.lxmf_hash,
        "has_attachment": has_attachment,
        "thread_id": msg.thread_id,
        "reply_to_hash": msg.reply_to_hash,
    }
    if has_attachment:
        out.update(
            attachment_type=msg.attachment_type,
            attachment_name=msg.attachment_name,
            attachment_size=msg.attachment_size,
            attachment_mime=msg.attachment_mime,
        )
        if msg.attachment_path:
            out["attachment_path"] = msg.attachment_path
    return out


class ReferenceConversations:
    """The repository's service over SQLAlchemy, returning plain dicts."""

    def __init__(self, engine: Engine, local: str) -> None:
        self.engine = engine
        self.local = local
        self.unread: dict[str, int] = {}
        self.deliveries: dict[bytes, tuple[int, float]] = {}
        with Session(engine) as session:
            rows = (
                session.query(Message.source_hash, func.count(Message.id))
                .filter(
                    Message.protocol_id == "chat",
                    Message.status == "received",
                    Message.destination_hash == local,
                )
                .group_by(Message.source_hash)
                .all()
            )
        self.unread = {str(source): int(count) for source, count in rows}

    def _pair(self, peers: list[str]) -> Any:
        if len(peers) == 1:
            return or_(
                and_(Message.source_hash == self.local, Message.destination_hash == peers[0]),
                and_(Message.source_hash == peers[0], Message.destination_hash == self.local),
            )
        return or_(
            and_(Message.source_hash == self.local, Message.destination_hash.in_(peers)),
            and_(Message.source_hash.in_(peers), Message.destination_hash == self.local),
        )

    @staticmethod
    def _peers(peer: str, more: list[str] | None) -> list[str]:
        return [peer, *(h for h in (more or []) if h != peer)]

    def list_conversations(self) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            peer = case(
                (Message.source_hash == self.local, Message.destination_hash), else_=Message.source_hash
            )
            rows = (
                session.query(
                    peer.label("peer_hash"),
                    func.count().label("message_count"),
                    func.max(Message.timestamp).label("last_message_time"),
                    func.sum(case((Message.has_attachment == True, 1), else_=0)).label("attachment_count"),  # noqa: E712
                )
                .filter(
                    Message.protocol_id == "chat",
                    or_(Message.source_hash == self.local, Message.destination_hash == self.local),
                )
                .group_by(literal_column("peer_hash"))
                .order_by(desc("last_message_time"))
                .all()
            )
            if not rows:
                return []
            last = session.execute(
                text(
                    "SELECT peer_hash, content, source_hash FROM (SELECT CASE WHEN source_hash = :local "
                    "THEN destination_hash ELSE source_hash END AS peer_hash, content, source_hash, "
                    "ROW_NUMBER() OVER (PARTITION BY CASE WHEN source_hash = :local THEN destination_hash "
                    "ELSE source_hash END ORDER BY timestamp DESC) AS rn FROM messages "
                    "WHERE protocol_id = 'chat' AND (source_hash = :local OR destination_hash = :local)) "
                    "WHERE rn = 1"
                ),
                {"local": self.local},
            ).fetchall()
            previews = {r[0]: (r[1][:100] if r[1] else None, r[2] == self.local) for r in last}
            out = []
            for row in rows:
                preview, outgoing = previews.get(row.peer_hash, (None, None))
                out.append(
                    {
                        "peer_hash": row.peer_hash,
                        "display_name": None,
                        "unread_count": self.unread.get(row.peer_hash, 0),
                        "last_message_time": row.last_message_time,
                        "last_message_preview": preview,
                        "last_message_outgoing": outgoing,
                        "message_count": row.message_count,
                        "attachment_count": int(row.attachment_count or 0),
                    }
                )
            return out

    def get_conversation(self, peer: str) -> dict[str, Any] | None:
        with Session(self.engine) as session:
            agg = (
                session.query(
                    func.count(Message.id).label("message_count"),
                    func.max(Message.timestamp).label("last_message_time"),
                    func.sum(case((Message.has_attachment == True, 1), else_=0)).label("attachment_count"),  # noqa: E712
                )
                .filter(Message.protocol_id == "chat", self._pair([peer]))
                .first()
            )
            if agg is None or agg.message_count == 0:
                return None
            last = (
                session.query(Message.content, Message.source_hash)
                .filter(Message.protocol_id == "chat", self._pair([peer]))
                .order_by(desc(Message.timestamp))
                .limit(1)
                .first()
            )
            return {
                "peer_hash": peer,
                "display_name": None,
                "unread_count": self.unread.get(peer, 0),
                "last_message_time": agg.last_message_time,
                "last_message_preview": (last.content[:100] if last and last.content else None),
                "last_message_outgoing": (last.source_hash == self.local) if last else None,
                "message_count": agg.message_count,
                "attachment_count": int(agg.attachment_count or 0),
            }

    def get_messages(
        self,
        peer: str,
        limit: int = 50,
        before_timestamp: float | None = None,
        status_filter: str | None = None,
        additional_peer_hashes: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            query = session.query(Message).filter(
                Message.protocol_id == "chat", self._pair(self._peers(peer, additional_peer_hashes))
            )
            if (
                before_timestamp is not None
                and isinstance(before_timestamp, (int, float))
                and before_timestamp >= 0
                and math.isfinite(before_timestamp)
            ):
                query = query.filter(Message.timestamp < before_timestamp)
            if status_filter is not None:
                query = query.filter(Message.status == status_filter)
            messages = query.order_by(desc(Message.timestamp)).limit(limit).all()
            messages.reverse()
            return [message_dict(m, self.local) for m in messages]

    def search_messages(
        self, query: str, peer_hash: str | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            sql = (
                "SELECT m.id FROM messages m JOIN messages_fts fts ON m.id = fts.rowid "
                "WHERE messages_fts MATCH :query AND m.protocol_id = 'chat'"
            )
            params: dict[str, Any] = {"query": query, "limit": limit}
            if peer_hash:
                sql += " AND (m.source_hash = :peer OR m.destination_hash = :peer)"
                params["peer"] = peer_hash
            sql += " ORDER BY m.timestamp DESC LIMIT :limit"
            try:
                ids = [row[0] for row in session.execute(text(sql), params)]
            except OperationalError as e:
                if any(p in str(e).lower() for p in FTS_ERRORS):
                    return []
                raise
            if not ids:
                return []
            order = {mid: i for i, mid in enumerate(ids)}
            found = session.query(Message).filter(Message.id.in_(ids)).all()
            found.sort(key=lambda m: order.get(m.id, 0))
            return [message_dict(m, self.local) for m in found]

    def _save(self, source: str, destination: str, status: str, content: str, **kw: Any) -> int:
        fields = kw.pop("fields", None)
        lxmf_hash = kw.pop("lxmf_hash", None)
        timestamp = kw.pop("timestamp", None)
        with Session(self.engine) as session:
            msg = Message(
                source_hash=source,
                destination_hash=destination,
                timestamp=time.time() if timestamp is None else timestamp,
                content=content,
                protocol_id="chat",
                status=status,
                lxmf_hash=lxmf_hash.hex() if lxmf_hash is not None else None,
                **kw,
            )
            if fields:
                msg.set_fields_dict(fields)
            session.add(msg)
            session.commit()
            return int(msg.id)

    def save_incoming_message(self, source_hash: str, content: str, **kw: Any) -> int:
        msg_id = self._save(source_hash, self.local, "received", content, **kw)
        self.unread[source_hash] = self.unread.get(source_hash, 0) + 1
        return msg_id

    def save_outgoing_message(self, destination_hash: str, content: str, **kw: Any) -> int:
        lxmf_hash = kw.get("lxmf_hash")
        msg_id = self._save(self.local, destination_hash, "pending", content, **kw)
        if lxmf_hash is not None:
            self.deliveries[lxmf_hash] = (msg_id, time.time())
        return msg_id

    def update_message_status(self, message_id: int, status: str) -> bool:
        with Session(self.engine) as session:
            count = (
                session.query(Message)
                .filter(Message.id == message_id)
                .update({Message.status: status}, synchronize_session=False)
            )
            session.commit()
        return count > 0

    def mark_read(self, peer_hash: str, additional_peer_hashes: list[str] | None = None) -> int:
        peers = self._peers(peer_hash, additional_peer_hashes)
        with Session(self.engine) as session:
            source = Message.source_hash == peer_hash if len(peers) == 1 else Message.source_hash.in_(peers)
            count = (
                session.query(Message)
                .filter(
                    Message.protocol_id == "chat",
                    source,
                    Message.destination_hash == self.local,
                    Message.status == "received",
                )
                .update({Message.status: "read"}, synchronize_session=False)
            )
            session.commit()
        for h in peers:
            self.unread.pop(h, None)
        return count

    def delete_conversation(self, peer_hash: str, additional_peer_hashes: list[str] | None = None) -> int:
        peers = self._peers(peer_hash, additional_peer_hashes)
        with Session(self.engine) as session:
            count = (
                session.query(Message)
                .filter(Message.protocol_id == "chat", self._pair(peers))
                .delete(synchronize_session=False)
            )
            session.commit()
        for h in peers:
            self.unread.pop(h, None)
        # styrened deletes the conversation's attachment files too
        from styrened.services.attachment_store import get_attachment_store

        for h in peers:
            try:
                get_attachment_store().delete_for_peer(h)
            except Exception:
                pass
        return count

    def get_unread_count(self, peer_hash: str) -> int:
        return self.unread.get(peer_hash, 0)

    def get_total_unread_count(self) -> int:
        return sum(self.unread.values())
