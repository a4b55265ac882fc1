"""Why the archive's database cannot be opened, said in one line that names it (its password masked) and what to do
about it: the command line prints the line, not a traceback."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

SUPPORTED = ("korus-watch keeps its archive in SQLite (sqlite:////path/to/archive.sqlite3) or PostgreSQL "
             "(postgresql://user@host/dbname)")
# What PostgreSQL says when it refuses a user: a wrong password, an unknown user, or no pg_hba.conf entry for it.
_LOGIN_REFUSED = ("authentication failed", "role", "pg_hba.conf")


class DatabaseUnavailable(Exception):
    """The archive's database cannot be used; the message is one line for the user."""


def shown(url: URL) -> str:
    """The URL as a user writes it (postgresql://, not the driver korus-watch picked), its password masked."""
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


def unparseable_url() -> DatabaseUnavailable:
    # The text is not echoed: a URL that does not parse may still hold a password.
    return DatabaseUnavailable(f"database.url is not a database URL: {SUPPORTED}")


def unsupported_url(url: URL) -> DatabaseUnavailable:
    return DatabaseUnavailable(f"database.url {url.render_as_string(hide_password=True)} is not supported: "
                               f"{SUPPORTED}")


def missing_folder(path: Path) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        f"the folder {path.parent} does not exist, so the SQLite archive {path} would be a new, empty one: fix "
        f"database.url if it is mistyped, or create the folder (mkdir -p {path.parent}) for a new archive"
    )


def read_only(path: Path) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        f"the SQLite archive {path} is read-only for this user, and korus-watch writes to its archive: make it "
        f"and its folder writable (chmod u+w {path}), or set database.url to a writable copy"
    )


def explain(error: DBAPIError, url: URL) -> DatabaseUnavailable:
    """The driver's error on opening the archive, as advice."""
    reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else type(error.orig).__name__
    if url.get_backend_name() == "sqlite":
        return _sqlite(error, Path(url.database or ""), reason)
    return _postgresql(url, reason)


def _sqlite(error: DBAPIError, path: Path, reason: str) -> DatabaseUnavailable:
    code = getattr(error.orig, "sqlite_errorname", None)
    if code in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
        return DatabaseUnavailable(
            f"the SQLite archive {path} is not a SQLite database or is damaged ({reason}); korus-watch left it as it "
            f"is: restore it from a backup, or set database.url to another file"
        )
    if code == "SQLITE_READONLY":
        return read_only(path)
    if code == "SQLITE_CANTOPEN":
        return DatabaseUnavailable(f"cannot open the SQLite archive {path} ({reason}): check that this user can read "
                                   f"and write it and its folder")
    return DatabaseUnavailable(f"the SQLite archive {path}: {reason}")


def _postgresql(url: URL, reason: str) -> DatabaseUnavailable:
    # psycopg gives a failed connection no SQLSTATE: libpq's text says what happened, the server's part after
    # "FATAL:" (in English unless the server's lc_messages says otherwise; anything else gets the general advice).
    said = " ".join(reason.rsplit(" failed: ", 1)[-1].split())
    if not said.startswith("FATAL:"):
        return DatabaseUnavailable(f"cannot connect to the PostgreSQL database {shown(url)} ({said}): is the server "
                                   f"running, and are the host and port in database.url right?")
    if f'database "{url.database}" does not exist' in said:
        options = [f"-h {url.host}" if url.host else "", f"-p {url.port}" if url.port else "",
                   f"-U {url.username}" if url.username else ""]
        createdb = " ".join(["createdb", *filter(None, options), url.database or ""])
        return DatabaseUnavailable(f"the PostgreSQL database {shown(url)} does not exist: create it ({createdb}) or "
                                   f"fix database.url")
    if any(refusal in said for refusal in _LOGIN_REFUSED):
        return DatabaseUnavailable(f"PostgreSQL refused the login to {shown(url)} ({said}): check the user and "
                                   f"password in database.url")
    return DatabaseUnavailable(f"PostgreSQL refused the connection to {shown(url)} ({said})")
