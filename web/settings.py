"""The `[http]` section: where the read side listens, the address people reach it at, and who may read it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, HttpUrl, SecretStr

from archive.settings import Section as _Section


class NoAuth(_Section):
    """Anyone who reaches the port may read: the default, for 127.0.0.1."""

    mode: Literal["none"] = "none"


class TokenAuth(_Section):
    """A shared token, as `Authorization: Bearer …` or `?token=…` (for feed readers, which cannot send headers)."""

    mode: Literal["token"]
    token: SecretStr = Field(min_length=16)


class BasicAuth(_Section):
    """HTTP basic authentication with one shared account (browsers ask for it; feed readers take user:pass@)."""

    mode: Literal["basic"]
    username: str = Field(min_length=1)
    password: SecretStr = Field(min_length=8)


Auth = Annotated[NoAuth | TokenAuth | BasicAuth, Field(discriminator="mode")]


class HttpSettings(_Section):
    """`korus-watch serve` and `korus-watch web` serve the read side here (`serve` also /healthz and /metrics)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8787, ge=0, le=65535)
    # The address people reach the web app at; alerts link to it when set.
    public_url: HttpUrl | None = None
    auth: Auth = Field(default_factory=NoAuth)
