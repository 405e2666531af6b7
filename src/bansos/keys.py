"""Loading the master key and making sure it is the one the database was written with.

The key comes from ``BANSOS_SECRET_KEY`` or from a key file (default ``var/secret.key``) that is
created with mode 0600 on first run. The database keeps only a check value derived from the key:
with a different key every start-up refuses, instead of encrypting new rows under a key that
cannot read the old ones.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.orm import Session

from bansos.core.crypto import FieldCipher, MasterKeyError, decode_key, new_key_text
from bansos.db import AppMeta
from bansos.settings import Settings

CHECK_KEY = "master_key_check"


def load_cipher(settings: Settings, *, create: bool = False) -> FieldCipher:
    """The cipher for this installation; ``create`` makes a key file if none exists."""
    if settings.secret_key is not None:
        return FieldCipher(decode_key(settings.secret_key.get_secret_value()))
    path = settings.resolved_key_file
    if not path.exists():
        if not create:
            raise MasterKeyError("key.missing", path=str(path))
        _write_key_file(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise MasterKeyError("key.permissions", path=str(path), mode=f"{mode:o}")
    return FieldCipher(decode_key(path.read_text(encoding="ascii")))


def _write_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(new_key_text() + "\n")


def bind_key(session: Session, cipher: FieldCipher) -> None:
    """Record the key's check value on first use, and refuse a different key afterwards."""
    row = session.get(AppMeta, CHECK_KEY)
    expected = cipher.check_value()
    if row is None:
        session.add(AppMeta(key=CHECK_KEY, value=expected))
        session.flush()
    elif row.value != expected:
        raise MasterKeyError("key.mismatch")
