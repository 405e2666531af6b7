"""Configuration from ``BANSOS_*`` environment variables, with defaults safe for a laptop pilot."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BANSOS_", extra="ignore")

    #: ``var/`` holds the embedded database, the key file and generated demo data.
    data_dir: Path = Path("var")
    #: SQLAlchemy URL. Empty means the embedded SQLite database ``<data_dir>/bansos.db``.
    database_url: str = ""
    #: Master key (base64url, 32 bytes). When unset, ``key_file`` is used (created on first run).
    secret_key: SecretStr | None = None
    key_file: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    #: Staff session lifetime.
    session_hours: int = Field(default=8, ge=1, le=24)
    #: Rows per committed chunk in imports: big enough to amortise a commit, small enough
    #: that a crash loses little work and memory stays bounded.
    import_chunk_rows: int = Field(default=20_000, ge=1, le=100_000)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'bansos.db'}"

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file or self.data_dir / "secret.key"


@cache
def get_settings() -> Settings:
    return Settings()
