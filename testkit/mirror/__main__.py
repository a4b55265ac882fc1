"""python -m testkit.mirror: serve a fixture site in the foreground until SIGTERM or SIGINT.

Prints one line, MIRROR_URL=http://127.0.0.1:PORT, once it is listening."""

from __future__ import annotations

import argparse
import logging

from testkit.loopback import wait_for_termination
from testkit.mirror.fixtures import generated_site, korus_site
from testkit.mirror.server import MirrorServer


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m testkit.mirror", description=__doc__)
    parser.add_argument("--fixture", choices=("korus", "generated"), default="korus")
    parser.add_argument("--statements", type=int, default=3000, help="how many statements --fixture generated makes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds every answer waits after its request arrived (POST /_mirror/latency changes it)")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    site = korus_site() if arguments.fixture == "korus" else generated_site(arguments.statements, arguments.seed)
    with MirrorServer(site, port=arguments.port, latency=arguments.latency) as server:
        print(f"MIRROR_URL={server.base_url}", flush=True)
        wait_for_termination()


if __name__ == "__main__":
    main()
