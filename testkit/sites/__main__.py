"""python -m testkit.sites: serve an imitation site in the foreground until SIGTERM or SIGINT.

Prints one line, SITE_URL=http://127.0.0.1:PORT, once it is listening; POST /_site/<mutation> changes it."""

from __future__ import annotations

import argparse
import signal
import threading

from testkit.sites import KorusSite, MinistrySite, SiteServer


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m testkit.sites", description=__doc__)
    parser.add_argument("--site", choices=("korus", "ministry"), default="korus")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    arguments = parser.parse_args()
    site = KorusSite() if arguments.site == "korus" else MinistrySite()
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    with SiteServer(site, port=arguments.port) as server:
        print(f"SITE_URL={server.base_url}", flush=True)
        stop.wait()


if __name__ == "__main__":
    main()
