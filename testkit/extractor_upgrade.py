"""korus-watch as a release whose press-office extractor reads pages differently: extractor version "2", whose
reading of a statement also takes the captions of the photos beside its body (the mirror's `set_caption`). Run as
`python -m testkit.extractor_upgrade <korus-watch arguments>` by the re-reading tests and benchmark."""

from __future__ import annotations

import dataclasses

from parsel import Selector

from crawler.sources import press_office
from crawler.sources.press_office import finder
from crawler.sources.reading import Reading
from crawler.text import normalise_space

UPGRADED_VERSION = "2"


def upgrade() -> None:
    """Installs the upgraded extractor in this process, before korus-watch looks its sources up."""
    press_office.KIND = dataclasses.replace(press_office.KIND, extractor_version=UPGRADED_VERSION)
    original = finder.read_statement

    def with_captions(url: str, html: str, section: str) -> Reading:
        reading = original(url, html, section)
        captions = [normalise_space(text) for text in Selector(text=html).css("figure figcaption").xpath("string()")
                    .getall()]
        reading.item.body_text = "\n\n".join([reading.item.body_text, *filter(None, captions)])
        return reading

    finder.read_statement = with_captions


if __name__ == "__main__":
    upgrade()
    from korus_watch.cli import main

    main(prog_name="korus-watch")
