"""python -m testkit.federal_register: serve a fixture set in the foreground until SIGTERM or SIGINT.

Prints one line, FEDERAL_REGISTER_API_URL=http://127.0.0.1:PORT/api/v1, once it is listening."""

from __future__ import annotations

import argparse
import logging

from testkit.federal_register.fixtures import generated_register, korus_register
from testkit.federal_register.server import FederalRegisterServer
from testkit.loopback import wait_for_termination


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m testkit.federal_register", description=__doc__)
    parser.add_argument("--fixture", choices=("korus", "generated"), default="korus")
    parser.add_argument("--documents", type=int, default=2000, help="how many KORUS documents --fixture generated makes")
    parser.add_argument("--unrelated", type=int, default=0, help="and how many others among them")
    parser.add_argument("--year", type=int, default=2012, help="the year --fixture generated publishes them in")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds every answer waits after its request arrived (POST /_fr/latency changes it)")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    register = korus_register() if arguments.fixture == "korus" else generated_register(
        arguments.documents, arguments.seed, arguments.year, arguments.unrelated)
    with FederalRegisterServer(register, port=arguments.port, latency=arguments.latency) as server:
        print(f"FEDERAL_REGISTER_API_URL={server.api_url}", flush=True)
        wait_for_termination()


if __name__ == "__main__":
    main()
