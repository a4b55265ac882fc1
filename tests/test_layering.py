"""The packages' layers, checked from the source: korus_watch (the command line and its composition root) on top,
then scheduler, then crawler, notify and web side by side, then archive; and what the product imports from outside
is declared. Every import counts, those inside functions and under TYPE_CHECKING included."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from tests.conftest import REPO

# Each package and the packages it may import. Nothing imports korus_watch; crawler, notify and web do not know each
# other.
ALLOWED = {
    "korus_watch": {"scheduler", "crawler", "notify", "web", "archive"},
    "scheduler": {"crawler", "notify", "web", "archive"},
    "crawler": {"archive"},
    "notify": {"archive"},
    "web": {"archive"},
    "archive": set(),
}
# Outside the product, and imported by none of it: what the tests and the benchmarks share (testkit: local imitations
# of the sources, loopback receivers), and the benchmarks. Neither imports the tests.
PRODUCT = set(ALLOWED)
OUTSIDE = {"testkit": PRODUCT, "bench": PRODUCT | {"testkit"}}


def top_level_imports(source: Path) -> set[str]:
    """The top-level modules a module imports, anywhere in it."""
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name.split(".")[0] for name in names}


def imported_packages(source: Path) -> set[str]:
    """The project's packages a module imports, anywhere in it."""
    return top_level_imports(source) & (PRODUCT | set(OUTSIDE) | {"tests"})


def test_every_package_imports_only_the_layers_below_it() -> None:
    wrong = []
    for package, allowed in {**ALLOWED, **OUTSIDE}.items():
        for source in sorted((REPO / package).rglob("*.py")):
            for imported in imported_packages(source) - allowed - {package}:
                wrong.append(f"{source.relative_to(REPO)} imports {imported}")
    assert wrong == []


def test_the_check_sees_an_import_that_breaks_the_layers(tmp_path: Path) -> None:
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from typing import TYPE_CHECKING\n    from korus_watch.app import status\n")
    assert imported_packages(module) == {"korus_watch"}


def test_the_notifier_makes_and_sends_events_without_importing_scrapy() -> None:
    # What the notifier's tests import and run: events made through the run recorder and the outbox, a dispatcher.
    probe = (
        "import sys\n"
        "import notify.dispatcher, notify.outbox, notify.channels, testkit.notify_support\n"
        "from crawler.planning import prepare_recorder\n"
        "loaded = sorted(name for name in sys.modules if name.split('.')[0] in ('scrapy', 'twisted'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def distribution_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_distribution_the_product_imports_is_declared() -> None:
    """A package used only through another's dependencies breaks when that one drops it."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {distribution_name(re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0])
                for requirement in project["dependencies"]}
    providers = packages_distributions()
    undeclared: dict[str, str] = {}
    for package in sorted(PRODUCT):
        for source in sorted((REPO / package).rglob("*.py")):
            for module in top_level_imports(source) - PRODUCT - set(sys.stdlib_module_names) - {"__future__"}:
                if not declared & {distribution_name(name) for name in providers.get(module, [])}:
                    undeclared.setdefault(module, str(source.relative_to(REPO)))
    assert undeclared == {}, "imported, not declared in pyproject.toml's dependencies"
