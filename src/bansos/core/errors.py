"""The one error shape: a stable machine-readable code, parameters, and bilingual text."""

from __future__ import annotations

from bansos.core.messages import both, message


class Problem(Exception):
    """Something the user can fix; ``code`` is stable, the text comes from the catalog."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        return message(self.code, "en", **self.params)

    def messages(self) -> dict[str, str]:
        return both(self.code, **self.params)
