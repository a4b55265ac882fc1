"""Jinja2 environments for each medium, all sandboxed (notify.sandbox): HTML autoescaped, chat text escaped by its
platform's rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, StrictUndefined, Template
from markupsafe import Markup

from archive.diffing import Segment
from notify.content import Highlight, shorten
from notify.sandbox import Sandbox

_EDGES = re.compile(r"^(\s*)(.*?)(\s*)$", re.DOTALL)


@dataclass(frozen=True)
class ChatStyle:
    """A chat platform's markup. Scraped text goes through `escape`; markup made here is Markup and is not."""

    escape: Callable[[str], str]
    bold: tuple[str, str]
    inserted: tuple[str, str]
    deleted: tuple[str, str]
    link: Callable[[str, str], str]

    def wrap(self, text: str, marks: tuple[str, str]) -> Markup:
        """Marks each line's text, leaving its surrounding spaces outside: chat markup must hug the words."""
        lines = []
        for line in text.split("\n"):
            lead, core, trail = _EDGES.match(line).groups()  # type: ignore[union-attr]
            lines.append(f"{lead}{marks[0]}{self.escape(core)}{marks[1]}{trail}" if core else line)
        return Markup("\n".join(lines))

    def finalize(self, value: Any) -> str:
        return value if isinstance(value, Markup) else self.escape(str(value))

    def filters(self) -> dict[str, Callable[..., Any]]:
        def diff(segments: list[Segment]) -> Markup:
            parts = []
            for index, segment in enumerate(segments):
                if segment.op == "equal":
                    parts.append(self.escape(segment.text))
                    continue
                if index and segments[index - 1].op != "equal":
                    parts.append(" ")  # "~old~ *new*": chat markup only works on words with a boundary between
                parts.append(self.wrap(segment.text, self.inserted if segment.op == "insert" else self.deleted))
            return Markup("".join(parts))

        def highlighted(runs: list[Highlight]) -> Markup:
            return Markup("".join(self.wrap(r.text, self.bold) if r.matched else self.escape(r.text) for r in runs))

        return {
            "bold": lambda text: self.wrap(str(text), self.bold),
            "link": lambda url, text: Markup(self.link(url, str(text))),
            "diff": diff,
            "highlighted": highlighted,
        }


def plain_diff(segments: list[Segment]) -> str:
    """wdiff's marks, for plain text: [-deleted-] and {+inserted+}."""
    marks = {"equal": ("", ""), "delete": ("[-", "-]"), "insert": ("{+", "+}")}
    return "".join(f"{marks[s.op][0]}{s.text}{marks[s.op][1]}" for s in segments)


def _shorten(text: Any, limit: int) -> str:
    return shorten(str(text), limit)


class Templates:
    """The built-in templates, each overridable by a file of the same path in the configured directory."""

    def __init__(self, override_dir: Path | None) -> None:
        loaders: list[Any] = [FileSystemLoader(override_dir)] if override_dir else []
        self._loader = ChoiceLoader([*loaders, PackageLoader("notify", "templates")])
        common: dict[str, Any] = {"loader": self._loader, "undefined": StrictUndefined, "trim_blocks": True, "lstrip_blocks": True,
                  "keep_trailing_newline": False}
        self.html = Sandbox(autoescape=True, **common)
        self.text = Sandbox(autoescape=False, **common)
        for environment in (self.html, self.text):
            environment.filters.update(shorten=_shorten, plain_diff=plain_diff)
        self._chat: dict[ChatStyle, Sandbox] = {}

    def chat(self, style: ChatStyle) -> Sandbox:
        environment = self._chat.get(style)
        if environment is None:
            environment = Sandbox(loader=self._loader, undefined=StrictUndefined, trim_blocks=True,
                                  lstrip_blocks=True, finalize=style.finalize)
            environment.filters.update(shorten=_shorten, **style.filters())
            self._chat[style] = environment
        return environment

    @staticmethod
    def load(environment: Sandbox, names: list[str]) -> Template:
        """The first of the named templates that exists, parsed, and checked with every template it uses for reaches
        into Python's internals; raises TemplateSyntaxError with the file and line."""
        template = environment.select_template(names)
        environment.check(template.name or names[0])
        return template
