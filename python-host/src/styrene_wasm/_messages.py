"""``messages.db``'s schema from the component: styrened's ``init_db`` and
``get_session`` (``styrened.models.messages``), with the tables created and
migrated inside ``styrene.wasm`` exactly as styrened's ``init_db`` does, then
the SQLAlchemy engine styrened's callers expect."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ._conversation_service import _Service

logger = logging.getLogger(__name__)


def init_db(db_path: str | None = None) -> Any:
    """Creates or migrates ``messages.db`` (styrened's default location when
    `db_path` is None) and returns a SQLAlchemy engine on it."""
    from sqlalchemy import create_engine

    if db_path is None:
        from styrened import paths

        db = paths.messages_db()
        db.parent.mkdir(parents=True, exist_ok=True)
        db_path = str(db)
    logger.info(f"Initializing message database: {db_path}")
    # opening the service brings the schema to styrened's; no local hash is needed for that
    _Service(Path(db_path), "").close()
    return create_engine(f"sqlite:///{db_path}")


def get_session(db_path: str | None = None) -> Any:
    """A SQLAlchemy session on ``messages.db``, its schema made sure of first."""
    from sqlalchemy.orm import Session

    return Session(init_db(db_path))
