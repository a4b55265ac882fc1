"""Log lines as key=value pairs (the default) or JSON objects, on standard error."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter

# Scrapy resets its loggers to DEBUG whenever a crawl starts, so libraries are filtered on the handler. httpx
# logs each request's URL at INFO, and a chat webhook's URL is its secret.
_LIBRARIES = frozenset({"scrapy", "twisted", "py", "alembic", "httpx", "httpcore", "mail", "apscheduler"})


def _library_record_worth_showing(record: logging.LogRecord) -> bool:
    return record.name.split(".", 1)[0] not in _LIBRARIES or record.levelno >= logging.WARNING


class KeyValueFormatter(logging.Formatter):
    """ts=… level=… logger=… msg="…": one line per record, easy to grep and to parse."""

    def format(self, record: logging.LogRecord) -> str:
        timestamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        quoted = message.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'ts={timestamp} level={record.levelname.lower()} logger={record.name} msg="{quoted}"'


def configure_logging(level: str, format: str = "keyvalue") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if format == "json":
        handler.setFormatter(JsonFormatter("{levelname}{name}{message}", style="{", timestamp="ts",
                                           rename_fields={"levelname": "level", "name": "logger", "message": "msg"}))
    else:
        handler.setFormatter(KeyValueFormatter())
    handler.addFilter(_library_record_worth_showing)
    logging.captureWarnings(True)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
