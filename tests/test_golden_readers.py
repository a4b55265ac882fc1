"""Golden files of the watched-pages and listings readers (tests/golden/harness.py says how they are made): every
stored response is read again and compared with its expected reading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.golden.harness import KINDS, cases, expected_path, reading

CASES = [path for kind in KINDS for path in cases(kind)]


def test_every_kind_has_golden_cases() -> None:
    for kind in KINDS:
        assert len(cases(kind)) >= 4, kind


@pytest.mark.parametrize("response_path", CASES, ids=[f"{p.parent.name}/{p.name.split('.')[0]}" for p in CASES])
def test_the_reader_reads_the_stored_response_as_expected(response_path: Path) -> None:
    expected = json.loads(expected_path(response_path).read_text(encoding="utf-8"))
    assert reading(response_path) == expected
