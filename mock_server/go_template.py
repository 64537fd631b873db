"""Go's text/template parse errors for the mistakes people make (Ollama's create refuses a
template that does not parse). Not a parser: what it cannot judge, it accepts."""

from __future__ import annotations

import re


class TemplateError(ValueError):
    """Go's parse error text: `template: :<line>: <problem>`."""


# Words an action may name: text/template's keywords and builtins, and Ollama's template funcs.
_TEMPLATE_WORDS = frozenset((
    "if else end range with template define block break continue nil true false "
    "and or not len index slice eq ne lt le gt ge print printf println html js urlquery call "
    "json currentDate yesterdayDate toTypeScriptType").split())
_OPENS_BLOCK = frozenset(("if", "range", "with", "define", "block"))
# An action runs to the first "}}" outside a quoted literal; a comment {{/* ... */}} is dropped first.
_ACTION = re.compile(r"""\{\{(?:-\s)?((?:"(?:\\.|[^"\\])*"|`[^`]*`|'(?:\\.|[^'\\])*'|[^"`'])*?)(?:\s-)?\}\}|\{\{""", re.S)
_COMMENT = re.compile(r"\{\{(?:-\s)?/\*.*?\*/(?:\s-)?\}\}", re.S)
_LITERAL = re.compile(r'"(?:\\.|[^"\\])*"|`[^`]*`|\'(?:\\.|[^\'\\])*\'|/\*.*?\*/', re.S)
_WORD = re.compile(r"(?<![\w.$])[A-Za-z_]\w*")


def check(text: str) -> None:
    """TemplateError with what template.Parse reports first, for the common mistakes.

    Covers an unknown function, an unclosed action, a block without {{end}} and a stray {{end}};
    anything else is accepted, as a template the mock cannot judge.
    """
    depth = 0
    text = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)  # keeps the line numbers
    for action in _ACTION.finditer(text):
        line = text.count("\n", 0, action.start()) + 1
        if action.group(1) is None:
            _check_words(text[action.end():], line)
            end_line = text.count("\n") + 1
            _bad_template(end_line, "unclosed action" + (f" started at :{line}" if end_line != line else ""))
        words = _check_words(action.group(1), line)
        first = words[0] if words else ""
        if first in ("end", "else") and depth == 0:
            _bad_template(text.count("\n", 0, action.end()) + 1, f"unexpected {{{{{first}}}}}")
        depth += (first in _OPENS_BLOCK) - (first == "end")
    if depth:
        _bad_template(text.count("\n") + 1, "unexpected EOF")


def _check_words(inside: str, line: int) -> list[str]:
    """The bare words of an action; an unknown one is a function Go cannot find."""
    code = _LITERAL.sub(lambda m: "\n" * m.group().count("\n"), inside)
    words = [(w.group(), line + code.count("\n", 0, w.start())) for w in _WORD.finditer(code)]
    for word, at in words:
        if word not in _TEMPLATE_WORDS:
            _bad_template(at, f'function "{word}" not defined')
    return [word for word, _ in words]


def _bad_template(line: int, problem: str) -> None:
    raise TemplateError(f"template: :{line}: {problem}")


_FIELD = re.compile(r"(?<![\w)\]])\$?\.([A-Za-z_]\w*)")


def variables(text: str) -> set[str]:
    """The fields a template's actions read (first name of each chain, lower case), as Ollama's
    Template.Vars lists them: "tools" makes a model tools-capable, "suffix" insert-capable."""
    text = _COMMENT.sub("", text)
    found: set[str] = set()
    for action in _ACTION.finditer(text):
        code = _LITERAL.sub(" ", action.group(1) or "")
        found.update(name.lower() for name in _FIELD.findall(code))
    return found
