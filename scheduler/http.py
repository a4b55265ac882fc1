"""The health and metrics endpoint, served by Twisted on the service's reactor (127.0.0.1 unless configured).

Both answer from the HealthSource's figures, never from the database: they answer at once even while the
database stalls."""

from __future__ import annotations

import json
import logging
from typing import Any, cast

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from twisted.web.resource import Resource
from twisted.web.server import Site

from scheduler.health import HealthSource, ServiceMetrics
from scheduler.settings import HttpSettings

log = logging.getLogger(__name__)


class Healthz(Resource):
    isLeaf = True

    def __init__(self, source: HealthSource) -> None:
        super().__init__()
        self.source = source

    def render_GET(self, request: Any) -> bytes:
        verdict = self.source.verdict()
        request.setResponseCode(200 if verdict.healthy else 503)
        request.setHeader(b"Content-Type", b"application/json")
        return json.dumps({"healthy": verdict.healthy, "reason": verdict.reason, **verdict.details}).encode()


class Metrics(Resource):
    isLeaf = True

    def __init__(self, metrics: ServiceMetrics) -> None:
        super().__init__()
        self.metrics = metrics

    def render_GET(self, request: Any) -> bytes:
        request.setHeader(b"Content-Type", CONTENT_TYPE_LATEST.encode())
        return generate_latest(self.metrics.registry)


def start_http(http: HttpSettings, source: HealthSource, metrics: ServiceMetrics) -> Any:
    from twisted.internet import reactor

    root = Resource()
    root.putChild(b"healthz", cast(Any, Healthz(source)))
    root.putChild(b"metrics", cast(Any, Metrics(metrics)))
    site = Site(root)
    site.noisy = False
    port: Any = cast(Any, reactor).listenTCP(http.port, site, interface=http.host)
    address = port.getHost()
    log.info("health and metrics at http://%s:%d/healthz and /metrics", address.host, address.port)
    return port
