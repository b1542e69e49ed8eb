"""Command syntax as data: a usage line such as ``key value [NX|XX] [GET]`` becomes the
``arguments`` that COMMAND DOCS replies, which is what redis-cli turns into its typing hints.

Grammar (the notation of Redis's documentation, with two shorthands)::

    usage := seq                     items separated by spaces
    item  := '[' alts ']' ['...']    optional; '...' after ']' repeats the group with its token
           | '(' alts ')'            a required group
           | word ['...']            '...' right after a word: it may be given several times
    alts  := seq ('|' seq)*          more than one: a oneof
    word  := TOKEN | name[@type]     upper case is a literal token

A token followed by a name in the same sequence is one argument (``EX seconds``); a sequence
of several arguments is a block; a lone token is a pure token. A name's type is inferred
(``key``, ``pattern``, ``unix-time``, integers such as ``count`` or ``seconds``) unless given
after an ``@`` (``ratio@double``). Types, tokens and flags use the vocabulary of Redis's
command JSON files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pyredisd.core.replies import Map, Reply, SetReply, Status

_TOKENIZE = re.compile(r"\[|\]|\(|\)|\||\.\.\.|[^\s\[\]()|.]+(?:\.[^\s\[\]()|.]+)*")
_KEYS = {"key", "source", "destination", "newkey"}
_INTEGERS = {
    "count", "seconds", "milliseconds", "index", "start", "end", "db", "offset", "numkeys",
    "timeout", "increment", "decrement", "value-integer", "rank", "len", "limit", "cursor",
    "index1", "index2", "protover", "client-id", "port", "maxage", "idle", "id",
}  # fmt: skip


@dataclass(frozen=True)
class Arg:
    """One argument of a command's syntax (cf. the ``arguments`` of COMMAND DOCS)."""

    name: str
    type: str
    token: str = ""
    optional: bool = False
    multiple: bool = False
    multiple_token: bool = False
    args: tuple[Arg, ...] = field(default=())


class UsageError(ValueError):
    """A usage line does not follow the grammar (a bug in a command's declaration)."""


def _type_of(name: str) -> str:
    if name in _KEYS or name.endswith("key"):
        return "key"
    if name == "pattern":
        return "pattern"
    if name.startswith("unix-time"):
        return "unix-time"
    if name in _INTEGERS:
        return "integer"
    return "string"


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _TOKENIZE.findall(text)
        self.pos = 0
        self.text = text

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise UsageError(f"unexpected end of usage: {self.text!r}")
        self.pos += 1
        return token

    def seq(self) -> list[Arg]:
        items: list[Arg] = []
        while self.peek() not in (None, "]", ")", "|"):
            items.append(self.item())
        return _merge_tokens(items)

    def alts(self) -> Arg:
        choices = [self.seq()]
        while self.peek() == "|":
            self.take()
            choices.append(self.seq())
        options = [_as_one(choice) for choice in choices]
        if len(options) == 1:
            return options[0]
        return Arg(name="|".join(o.name for o in options), type="oneof", args=tuple(options))

    def item(self) -> Arg:
        token = self.take()
        if token in ("[", "("):
            inner = self.alts()
            if self.take() != ("]" if token == "[" else ")"):
                raise UsageError(f"unbalanced brackets in {self.text!r}")
            repeat = self.peek() == "..."
            if repeat:
                self.take()
            return Arg(
                inner.name,
                inner.type,
                inner.token,
                optional=token == "[" or inner.optional,
                multiple=repeat or inner.multiple,
                multiple_token=repeat and bool(inner.token),
                args=inner.args,
            )
        if token in ("]", ")", "|", "..."):
            raise UsageError(f"unexpected {token!r} in {self.text!r}")
        multiple = self.peek() == "..."
        if multiple:
            self.take()
        if token.isupper() or not any(ch.isalpha() for ch in token):
            return Arg(token.lower(), "pure-token", token=token, multiple=multiple)
        name, _, kind = token.partition("@")
        return Arg(name, kind or _type_of(name), multiple=multiple)


def _merge_tokens(items: list[Arg]) -> list[Arg]:
    """``EX seconds`` -> one argument named ``seconds`` with token ``EX``."""
    merged: list[Arg] = []
    for item in items:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.type == "pure-token"
            and not previous.multiple
            and not previous.optional
            and item.type != "pure-token"
            and not item.token
            and not item.optional
        ):
            merged[-1] = Arg(item.name, item.type, previous.token, multiple=item.multiple,
                             args=item.args)  # fmt: skip
        else:
            merged.append(item)
    return merged


def _as_one(items: list[Arg]) -> Arg:
    if len(items) == 1:
        return items[0]
    return Arg(name="-".join(i.name for i in items), type="block", args=tuple(items))


def parse(usage: str) -> tuple[Arg, ...]:
    """The arguments described by ``usage``; raises UsageError if it is malformed."""
    parser = _Parser(usage)
    items = parser.seq()
    if parser.peek() is not None:
        raise UsageError(f"unexpected {parser.peek()!r} in {usage!r}")
    return tuple(items)


def docs(args: tuple[Arg, ...]) -> list[Reply]:
    """The ``arguments`` entry of COMMAND DOCS for ``args``."""
    out: list[Reply] = []
    key_index = 0
    for arg in args:
        items: list[tuple[Reply, Reply]] = [
            (b"name", arg.name.encode()),
            (b"type", arg.type.encode()),
        ]
        if arg.type == "key":
            items.append((b"key_spec_index", key_index))
            key_index += 1
        if arg.token:
            items.append((b"token", arg.token.encode()))
        flags = [f for f, on in (("optional", arg.optional), ("multiple", arg.multiple),
                                 ("multiple_token", arg.multiple_token)) if on]  # fmt: skip
        if flags:
            items.append((b"flags", SetReply(Status(f) for f in flags)))
        if arg.args:
            items.append((b"arguments", docs(arg.args)))
        out.append(Map(items))
    return out


def render(args: tuple[Arg, ...] | list[Arg], separator: str = " ") -> str:
    """The syntax line redis-cli shows as a hint, from argument descriptions."""
    return separator.join(_render_one(arg) for arg in args)


def _render_one(arg: Arg) -> str:
    if arg.type == "oneof":
        base = render(arg.args, "|")
    elif arg.type == "block":
        base = render(arg.args, " ")
    elif arg.type == "pure-token":
        base = arg.token
    else:
        base = arg.name
    body = f"{arg.token} {base}" if arg.token and arg.type != "pure-token" else base
    if arg.multiple:
        body = f"{body} [{body if arg.multiple_token else base} ...]"
    return f"[{body}]" if arg.optional else body
