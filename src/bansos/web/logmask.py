"""Masking NIK and KK numbers in log lines, whatever logger writes them.

The staff lookup takes the NIK in the query string (``GET /api/registry/people?nik=``), and
the web server's access log writes whole request lines: without this filter every lookup
would leave a clear NIK in the logs.
"""

from __future__ import annotations

import logging
import re

from bansos.core.nik import mask_nik

_SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")


def mask_text(text: str) -> str:
    return _SIXTEEN_DIGITS.sub(lambda m: mask_nik(m.group(0)), text)


class MaskIdentifiers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in args)
        return True


def install(*logger_names: str) -> None:
    """Add the filter to the named loggers (idempotent)."""
    for name in logger_names or ("", "uvicorn", "uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskIdentifiers) for f in logger.filters):
            logger.addFilter(MaskIdentifiers())
