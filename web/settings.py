"""The `[http]` section: where the read side listens, the address people reach it at, and who may read it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, HttpUrl, IPvAnyNetwork, SecretStr

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
    # The address people reach the web app at: every link and redirect it answers, and every alert, points there.
    # Unset, the web app's links are paths (relative to wherever the reader reached it) and alerts have none.
    public_url: HttpUrl | None = None
    # The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto headers are believed (addresses or networks);
    # none by default, so that no client can pass itself off as another.
    forwarded_allow_ips: list[IPvAnyNetwork] = Field(default_factory=list)
    auth: Auth = Field(default_factory=NoAuth)
