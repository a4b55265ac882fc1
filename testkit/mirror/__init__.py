"""A local, mutable mirror of ustr.gov's press office for the crawler's tests and benchmarks."""

from testkit.mirror.fixtures import generated_site, korus_site
from testkit.mirror.overload import Overload, RateLimit
from testkit.mirror.server import MirrorRequest, MirrorServer, RequestLog
from testkit.mirror.site import MirrorSite, MirrorStatement

__all__ = [
    "MirrorRequest", "MirrorServer", "MirrorSite", "MirrorStatement", "Overload", "RateLimit", "RequestLog",
    "generated_site", "korus_site",
]
