"""No clear NIK or KK number reaches a log line."""

from __future__ import annotations

import logging

import pytest

from bansos.web import logmask

NIK = "3403011705800001"


def test_access_log_lines_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    logmask.install()
    access = logging.getLogger("uvicorn.access")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        # uvicorn's own access-log call: format string and arguments.
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET",
                    f"/api/registry/people?nik={NIK}&reveal=true", "1.1", 200)  # fmt: skip
        logging.getLogger("uvicorn.error").warning(f"lookup of {NIK} failed")
    assert NIK not in caplog.text
    assert caplog.text.count("3403********0001") == 2


def test_only_sixteen_digit_runs_are_masked() -> None:
    assert logmask.mask_text("order 12345678901234567 and 123") == "order 12345678901234567 and 123"
    assert logmask.mask_text(f"a{NIK}b") == "a3403********0001b"


def test_install_is_idempotent() -> None:
    logmask.install("bansos.test")
    logmask.install("bansos.test")
    filters = logging.getLogger("bansos.test").filters
    assert sum(isinstance(f, logmask.MaskIdentifiers) for f in filters) == 1
