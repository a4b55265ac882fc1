"""What every channel format is: a class that renders content for its medium and hands it to a transport."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from jinja2 import TemplateError, TemplateSyntaxError

from notify.content import Content
from notify.errors import ChannelError
from notify.settings import ChannelSettings, NotifierSettings
from notify.templates import Templates


@dataclass(frozen=True)
class Rendered:
    """A message ready to send, and how it is saved by `digest --out` (an .eml file or a JSON document)."""

    body: bytes
    suffix: str
    preview: str


FORMATS: dict[str, type[Format]] = {}


class Format(ABC):
    """One kind of channel. A subclass with a `type` is registered under it; its templates live in
    notify/templates/<type>/ (or a shared folder its class names), overridable from notify.template_dir."""

    type: ClassVar[str]
    template_names: ClassVar[tuple[str, ...]]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "type" in cls.__dict__:
            FORMATS[cls.type] = cls

    def __init__(self, channel: ChannelSettings, settings: NotifierSettings, templates: Templates) -> None:
        self.channel = channel
        self.settings = settings
        self.templates = templates
        self.check()
        try:
            self.load_templates()
        except TemplateSyntaxError as exc:
            raise self.fail(f"template {exc.filename or exc.name}, line {exc.lineno}: {exc.message}") from None
        except TemplateError as exc:
            raise self.fail(f"template error: {exc}") from None

    def load_templates(self) -> None:
        """Parses and checks the format's templates now, so that a broken or unsafe one is found before any send."""
        for name in self.template_names:
            self.templates.load(self.templates.text, [name])

    def fail(self, problem: str) -> ChannelError:
        return ChannelError(f"channel {self.channel.name!r} ({self.type}): {problem}")

    @abstractmethod
    def check(self) -> None:
        """Raises ChannelError when the channel's settings cannot work for this format."""

    @abstractmethod
    def render(self, content: Content) -> Rendered: ...

    @abstractmethod
    def send(self, rendered: Rendered, content: Content) -> str:
        """Sends and returns the server's answer; raises DeliveryError."""

    def close(self) -> None:  # noqa: B027 - most formats keep no connection
        """Releases connections kept between sends."""
