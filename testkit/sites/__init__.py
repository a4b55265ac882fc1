"""Imitations of the sites beyond the press office, for the readers' and finders' tests and benchmarks: the KORUS
agreement pages (testkit.sites.korus) and a ministry's press-release board (testkit.sites.ministry), each served by
a SiteServer on 127.0.0.1."""

from testkit.sites.korus import KorusSite
from testkit.sites.ministry import MinistrySite
from testkit.sites.server import SiteServer

__all__ = ["KorusSite", "MinistrySite", "SiteServer"]
