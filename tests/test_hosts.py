"""The pace of a host shared by every crawl of a process (crawler.hosts): two sources on one site keep its pace."""

from __future__ import annotations

import pytest

from crawler.hosts import HostPaces


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_two_crawls_of_one_host_are_spaced_together_and_other_hosts_are_not_held_up() -> None:
    paces, press_office, pages = HostPaces(Clock()), object(), object()
    waits = [paces.reserve("ustr.gov", 0.12, crawl) for crawl in (press_office, pages, press_office, pages)]
    assert waits == pytest.approx([0.0, 0.12, 0.24, 0.36])  # one pace for both, as if one crawl asked four times
    assert paces.reserve("www.federalregister.gov", 0.2, pages) == 0.0


def test_a_wait_a_host_asked_of_one_crawl_holds_the_others_but_not_its_own_requests_on_their_way() -> None:
    clock = Clock()
    paces, press_office, pages = HostPaces(clock), object(), object()
    assert paces.reserve("ustr.gov", 0.1, press_office) == 0.0
    paces.hold("ustr.gov", until=clock.now + 30, crawl=press_office)
    # The refused crawl's scheduler holds what it has not started; what is on its way goes at the pace.
    assert paces.reserve("ustr.gov", 0.1, press_office) == pytest.approx(0.1)
    assert paces.reserve("ustr.gov", 0.1, pages) == pytest.approx(30.0)
    clock.now += 31
    assert paces.reserve("ustr.gov", 0.1, pages) == 0.0
