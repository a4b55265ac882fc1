"""What korus-watch calls itself: its version, and the one User-Agent it sends to every server it talks to."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("korus-watch")
except PackageNotFoundError:  # run from a source tree that was never installed
    VERSION = "0+unknown"

USER_AGENT = f"korus-watch/{VERSION} (+https://github.com/korus-watch/korus-watch)"
