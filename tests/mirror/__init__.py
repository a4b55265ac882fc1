"""A local, mutable mirror of ustr.gov's press office for the crawler's tests and benchmarks."""

from tests.mirror.fixtures import generated_site, korus_site
from tests.mirror.overload import Overload, RateLimit
from tests.mirror.server import MirrorRequest, MirrorServer, RequestLog
from tests.mirror.site import MirrorSite, MirrorStatement

__all__ = [
    "MirrorRequest", "MirrorServer", "MirrorSite", "MirrorStatement", "Overload", "RateLimit", "RequestLog",
    "generated_site", "korus_site",
]
