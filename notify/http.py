"""Posting one webhook message: TLS verified, no redirects followed, the answer classified for retries."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from archive.product import USER_AGENT
from archive.retry_after import retry_after_seconds
from notify.errors import DeliveryError

# Worth another attempt: the server is busy, limiting us, or briefly broken (any 5xx but "not implemented" and
# "version not supported", Cloudflare's 52x included). Any other 4xx is our fault and final.
_TEMPORARY_4XX = {408, 425, 429}
_FINAL_5XX = {501, 505}
# Of the answer, what is read off the wire, and what is kept for the delivery log and errors.
_ANSWER_BYTES = 4096
_ANSWER_CHARS = 200


def _start_of_body(response: httpx.Response) -> str:
    """The first bytes of the answer, as text; the rest is never read (a 20 MB answer stays on the wire)."""
    start = b""
    try:
        for chunk in response.iter_raw():
            start += chunk
            if len(start) >= _ANSWER_BYTES:
                break
    except httpx.TransportError:
        pass  # the status has arrived, and it is the answer; the text after it only illustrates it
    return start[:_ANSWER_BYTES].decode(response.encoding or "utf-8", "replace")


def post(client: httpx.Client, url: str, body: bytes, headers: dict[str, str], where: str) -> str:
    """POSTs JSON; returns the status line and start of the answer, or raises DeliveryError.

    `where` names the destination in errors without its URL, which for chat webhooks is the secret."""
    try:
        with client.stream(
            "POST", url, content=body,
            # Uncompressed: the answer's first bytes are read as they come, with no inflating of a small body.
            headers={"Content-Type": "application/json", "Accept-Encoding": "identity", "User-Agent": USER_AGENT,
                     **headers},
        ) as response:
            start = _start_of_body(response)
    except httpx.ConnectTimeout:
        raise DeliveryError(f"{where}: cannot connect within the timeout", temporary=True, unreachable=True) from None
    except httpx.TimeoutException:
        # Sent, unanswered: it may have arrived. A resend carries the same idempotency key.
        raise DeliveryError(f"{where}: no answer within the timeout (outcome unknown)", temporary=True,
                            unreachable=True, outcome_unknown=True) from None
    except httpx.TransportError as exc:
        raise DeliveryError(f"{where}: cannot connect: {type(exc).__name__}", temporary=True,
                            unreachable=True) from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise DeliveryError(f"{where}: {type(exc).__name__}", temporary=False) from None
    answer = f"HTTP {response.status_code} {start[:_ANSWER_CHARS].strip()}".strip()
    if response.is_success:
        return answer
    if response.is_redirect:
        raise DeliveryError(f"{where}: redirected ({answer}); webhook URLs must be final", temporary=False)
    status = response.status_code
    temporary = status in _TEMPORARY_4XX or (status >= 500 and status not in _FINAL_5XX)
    retry_after = retry_after_seconds(response.headers.get("Retry-After"), datetime.now(UTC)) if temporary else None
    raise DeliveryError(f"{where}: {answer}", temporary=temporary, retry_after=retry_after)
