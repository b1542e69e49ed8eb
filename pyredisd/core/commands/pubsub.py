"""Pub/Sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH SSUBSCRIBE SUNSUBSCRIBE
SPUBLISH and PUBSUB CHANNELS NUMSUB NUMPAT SHARDCHANNELS SHARDNUMSUB HELP.

State lives in :mod:`pyredisd.core.pubsub` (``server.pubsub``). A (un)subscribe command answers
one confirmation per name, ``[kind, name, count]`` (pushes in RESP3, arrays in RESP2), which the
handler encodes itself in the caller's protocol and returns as one :class:`Raw` reply. The rules
of a subscribed RESP2 connection (only (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT, RESET; PING
answers ``["pong", msg]``) and RESET's unsubscribing are the dispatcher's slow path
(``Server._intercept`` and ``Server._after``).

Redis declares the shard channel of SSUBSCRIBE, SUNSUBSCRIBE and SPUBLISH as a ``NOT_KEY`` key
spec (for cluster slot routing); pyredisd has no cluster and its key specs always carry one
access flag, so these commands declare none (COMMAND GETKEYS answers the same either way).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pyredisd.core import errors
from pyredisd.core.commands.spec import Argv, CmdFlag, CommandGroup
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import Push, Raw, Reply, Status
from pyredisd.core.resp import ENCODERS

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("pubsub")
_F = CmdFlag
_SUB = _F.PUBSUB | _F.NOSCRIPT | _F.LOADING | _F.STALE
_PUB = _F.PUBSUB | _F.LOADING | _F.STALE | _F.FAST | _F.MAY_REPLICATE
_INTRO = _F.PUBSUB | _F.LOADING | _F.STALE
_PER_NAME = "O(N) where N is the number of channels to subscribe to."


def _confirm(c: Client, kind: bytes, items: list[tuple[bytes | None, int]]) -> Raw:
    encode = ENCODERS[c.resp].encode
    return Raw(b"".join(encode(Push([kind, name, count])) for name, count in items))


def _subscribe(c: Client, argv: Argv, kind: bytes, add: Callable[[Client, bytes], int]) -> Raw:
    items: list[tuple[bytes | None, int]] = [(name, add(c, name)) for name in argv[1:]]
    c.server.pubsub_changed(c)
    return _confirm(c, kind, items)


def _unsubscribe(
    c: Client,
    argv: Argv,
    kind: bytes,
    remove: Callable[[Client, bytes], int],
    current: dict[bytes, None],
    count: Callable[[], int],
) -> Raw:
    names = argv[1:] if len(argv) > 1 else list(current)
    if names:
        items: list[tuple[bytes | None, int]] = [(name, remove(c, name)) for name in names]
    else:
        items = [(None, count())]  # subscribed to none of this kind: still confirm
    c.server.pubsub_changed(c)
    return _confirm(c, kind, items)


@GROUP.command("subscribe", -2, _SUB, since="2.0.0", complexity=_PER_NAME, usage="channel...")
def cmd_subscribe(c: Client, argv: Argv) -> Reply:
    """Listens for messages published to channels."""
    return _subscribe(c, argv, b"subscribe", c.server.pubsub.subscribe)


@GROUP.command(
    "psubscribe",
    -2,
    _SUB,
    since="2.0.0",
    complexity="O(N) where N is the number of patterns to subscribe to.",
    usage="pattern...",
)
def cmd_psubscribe(c: Client, argv: Argv) -> Reply:
    """Listens for messages published to channels that match one or more patterns."""
    return _subscribe(c, argv, b"psubscribe", c.server.pubsub.psubscribe)


@GROUP.command(
    "ssubscribe",
    -2,
    _SUB,
    since="7.0.0",
    complexity="O(N) where N is the number of shard channels to subscribe to.",
    usage="shardchannel...",
)
def cmd_ssubscribe(c: Client, argv: Argv) -> Reply:
    """Listens for messages published to shard channels."""
    return _subscribe(c, argv, b"ssubscribe", c.server.pubsub.ssubscribe)


@GROUP.command(
    "unsubscribe",
    -1,
    _SUB,
    since="2.0.0",
    complexity="O(N) where N is the number of channels to unsubscribe.",
    usage="[channel...]",
)
def cmd_unsubscribe(c: Client, argv: Argv) -> Reply:
    """Stops listening to messages posted to channels."""
    pubsub = c.server.pubsub
    subs = pubsub.of(c)
    return _unsubscribe(c, argv, b"unsubscribe", pubsub.unsubscribe, subs.channels, subs.count)


@GROUP.command(
    "punsubscribe",
    -1,
    _SUB,
    since="2.0.0",
    complexity="O(N) where N is the number of patterns to unsubscribe.",
    usage="[pattern...]",
)
def cmd_punsubscribe(c: Client, argv: Argv) -> Reply:
    """Stops listening to messages published to channels that match one or more patterns."""
    pubsub = c.server.pubsub
    subs = pubsub.of(c)
    return _unsubscribe(c, argv, b"punsubscribe", pubsub.punsubscribe, subs.patterns, subs.count)


@GROUP.command(
    "sunsubscribe",
    -1,
    _SUB,
    since="7.0.0",
    complexity="O(N) where N is the number of shard channels to unsubscribe.",
    usage="[shardchannel...]",
)
def cmd_sunsubscribe(c: Client, argv: Argv) -> Reply:
    """Stops listening to messages posted to shard channels."""
    pubsub = c.server.pubsub
    subs = pubsub.of(c)

    def shard_count() -> int:
        return len(pubsub.of(c).shard)

    return _unsubscribe(c, argv, b"sunsubscribe", pubsub.sunsubscribe, subs.shard, shard_count)


@GROUP.command(
    "publish",
    3,
    _PUB,
    since="2.0.0",
    complexity="O(N+M) where N is the number of clients subscribed to the receiving channel "
    "and M is the total number of subscribed patterns (by any client).",
    usage="channel message",
)
def cmd_publish(c: Client, argv: Argv) -> Reply:
    """Posts a message to a channel."""
    return c.server.pubsub.publish(argv[1], argv[2])


@GROUP.command(
    "spublish",
    3,
    _PUB,
    since="7.0.0",
    complexity="O(N) where N is the number of clients subscribed to the receiving shard channel.",
    usage="shardchannel message",
)
def cmd_spublish(c: Client, argv: Argv) -> Reply:
    """Post a message to a shard channel"""
    return c.server.pubsub.spublish(argv[1], argv[2])


# -- PUBSUB ----------------------------------------------------------------------------------------
@GROUP.command("pubsub", -2, _F.NONE, since="2.8.0", complexity="Depends on subcommand.")
def cmd_pubsub(c: Client, argv: Argv) -> Reply:
    """A container for Pub/Sub commands."""
    raise CommandError(errors.unknown_subcommand(argv[0], argv[1]))  # pragma: no cover


def _pattern_arg(argv: Argv) -> bytes | None:
    if len(argv) > 3:
        raise CommandError(errors.subcommand_syntax(argv[1], "PUBSUB"))
    return argv[2] if len(argv) == 3 else None


@GROUP.command(
    "channels",
    -2,
    _INTRO,
    container="pubsub",
    since="2.8.0",
    complexity="O(N) where N is the number of active channels, and assuming constant time "
    "pattern matching (relatively short channels and patterns)",
    usage="[pattern]",
)
def cmd_pubsub_channels(c: Client, argv: Argv) -> Reply:
    """Returns the active channels."""
    pubsub = c.server.pubsub
    return pubsub.active(pubsub.channels, _pattern_arg(argv))


@GROUP.command(
    "shardchannels",
    -2,
    _INTRO,
    container="pubsub",
    since="7.0.0",
    complexity="O(N) where N is the number of active shard channels, and assuming constant "
    "time pattern matching (relatively short shard channels).",
    usage="[pattern]",
)
def cmd_pubsub_shardchannels(c: Client, argv: Argv) -> Reply:
    """Returns the active shard channels."""
    pubsub = c.server.pubsub
    return pubsub.active(pubsub.shard_channels, _pattern_arg(argv))


@GROUP.command(
    "numsub",
    -2,
    _INTRO,
    container="pubsub",
    since="2.8.0",
    complexity="O(N) for the NUMSUB subcommand, where N is the number of requested channels",
    usage="[channel...]",
)
def cmd_pubsub_numsub(c: Client, argv: Argv) -> Reply:
    """Returns a count of subscribers to channels."""
    pubsub = c.server.pubsub
    return pubsub.numsub(pubsub.channels, argv[2:])


@GROUP.command(
    "shardnumsub",
    -2,
    _INTRO,
    container="pubsub",
    since="7.0.0",
    complexity="O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard "
    "channels",
    usage="[shardchannel...]",
)
def cmd_pubsub_shardnumsub(c: Client, argv: Argv) -> Reply:
    """Returns the count of subscribers of shard channels."""
    pubsub = c.server.pubsub
    return pubsub.numsub(pubsub.shard_channels, argv[2:])


@GROUP.command("numpat", 2, _INTRO, container="pubsub", since="2.8.0")
def cmd_pubsub_numpat(c: Client, argv: Argv) -> Reply:
    """Returns a count of unique pattern subscriptions."""
    return len(c.server.pubsub.patterns)


HELP = (
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Print this help.",
)
_HELP_REPLY = tuple(Status(line) for line in HELP)


@GROUP.command("help", 2, _F.LOADING | _F.STALE, container="pubsub", since="6.2.0")
def cmd_pubsub_help(c: Client, argv: Argv) -> Reply:
    """Returns helpful text about the different subcommands."""
    return _HELP_REPLY
