"""Jinja2's sandbox for every message template, built-in or overridden from notify.template_dir: a template may
read the message's data but not reach Python's internals (`cycler.__init__.__globals__.os` and the like).

A reach the source shows (an attribute or key named `__init__`, `mro`, …) is refused when the channel is built,
naming the file and line, and the channel is broken. A name built only at render time (`attr("__in" ~ "it__")`)
cannot be seen in the source: the sandbox refuses it when the message renders, and the send fails for good with
the template's file and line (the dispatcher dead-letters that delivery)."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any, NoReturn

from jinja2 import TemplateRuntimeError, TemplateSyntaxError, nodes
from jinja2.sandbox import (
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
    ImmutableSandboxedEnvironment,
    SecurityError,
)

# What the sandbox refuses whatever the object: private and dunder names, frames and code of generators and
# coroutines, and a type's method resolution order.
_INTERNAL_NAMES = frozenset(
    {*UNSAFE_GENERATOR_ATTRIBUTES, *UNSAFE_COROUTINE_ATTRIBUTES, *UNSAFE_ASYNC_GENERATOR_ATTRIBUTES, "mro"}
)


class UnsafeTemplate(TemplateRuntimeError):
    """A template refused by the sandbox while rendering; the message names its file and line."""


def _internal(name: object) -> bool:
    return isinstance(name, str) and (name.startswith("_") or name in _INTERNAL_NAMES)


def _reached_names(tree: nodes.Template) -> list[tuple[str, int]]:
    """The attribute and key names the template's source spells out, with their lines."""
    reached = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        if isinstance(node, nodes.Getattr):
            reached.append((node.attr, node.lineno))
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            reached.append((node.arg.value, node.lineno))
        elif (isinstance(node, nodes.Filter) and node.name == "attr" and node.args
              and isinstance(node.args[0], nodes.Const)):
            reached.append((node.args[0].value, node.lineno))
    return reached


def _used_templates(tree: nodes.Template) -> list[str]:
    """The templates this one extends, includes or imports by a name written in its source."""
    names: list[str] = []
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        assert isinstance(node, nodes.Extends | nodes.Include | nodes.Import | nodes.FromImport)
        if isinstance(node.template, nodes.Const):
            value = node.template.value
            names += [value] if isinstance(value, str) else [n for n in value if isinstance(n, str)]
    return names


class Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with its refusals reported by template file and line."""

    def check(self, name: str, checked: set[str] | None = None) -> None:
        """Raises TemplateSyntaxError (file and line) when the template, or one it uses, reaches for an internal
        name in its source; a template that does not parse raises its own TemplateSyntaxError."""
        checked = set() if checked is None else checked
        if name in checked:
            return
        checked.add(name)
        assert self.loader is not None
        source, filename, _ = self.loader.get_source(self, name)
        tree = self.parse(source, name, filename)
        for reached, line in _reached_names(tree):
            if _internal(reached):
                raise TemplateSyntaxError(f"reaches for {reached!r}, which is unsafe in the sandbox", line, name,
                                          filename)
        for used in _used_templates(tree):
            self.check(used, checked)

    def unsafe_undefined(self, obj: Any, attribute: str) -> NoReturn:
        # Jinja2 answers an unsafe attribute with an undefined value that raises only when used, and used as
        # `… | attr(…)` it turns into a plain "no attribute" error that hides the reach: refused here, at once.
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe")

    def handle_exception(self, source: str | None = None) -> NoReturn:
        error = sys.exc_info()[1]
        if isinstance(error, SecurityError):
            raise UnsafeTemplate(f"{_where(error.__traceback__)}: {error}") from None
        super().handle_exception(source)


def _where(trace: TracebackType | None) -> str:
    """The innermost template line of a traceback from rendering."""
    where = "template"
    while trace is not None:
        template: Any = trace.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            line = template.get_corresponding_lineno(trace.tb_lineno)
            where = f"template {template.filename or template.name}, line {line}"
        trace = trace.tb_next
    return where
