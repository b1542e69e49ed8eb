"""CLIENT's client-side caching part: TRACKING CACHING GETREDIR TRACKINGINFO.

The options are parsed and checked as ``clientCommand`` does, in its order: each REDIRECT's
target must exist when it is parsed (for OFF too), then for ON the combinations; the table
and the messages live in :mod:`pyredisd.core.tracking`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core import errors
from pyredisd.core.commands.args import to_int
from pyredisd.core.commands.spec import Argv, CmdFlag, CommandGroup
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import OK, Map, Reply, SetReply
from pyredisd.core.tracking import overlaps

if TYPE_CHECKING:
    from pyredisd.core.clients import Client
    from pyredisd.core.tracking import ClientTracking

GROUP = CommandGroup("connection")
_F = CmdFlag
_CLIENT = _F.NOSCRIPT | _F.LOADING | _F.STALE


class _Options:
    __slots__ = ("bcast", "noloop", "optin", "optout", "prefixes", "redirect")

    def __init__(self) -> None:
        self.redirect = 0
        self.bcast = self.optin = self.optout = self.noloop = False
        self.prefixes: list[bytes] = []


def _parse(c: Client, argv: Argv) -> _Options:
    options = _Options()
    index = 3
    while index < len(argv):
        word = argv[index].lower()
        more = index + 1 < len(argv)
        if word == b"redirect" and more:
            index += 1
            if options.redirect:
                raise CommandError(errors.TRACKING_REDIRECT_TWICE)
            options.redirect = to_int(argv[index])
            # Checked now, although the target may go away later (then: broken redirect).
            if c.server.clients.get(options.redirect) is None:
                raise CommandError(errors.TRACKING_REDIRECT_MISSING)
        elif word == b"bcast":
            options.bcast = True
        elif word == b"optin":
            options.optin = True
        elif word == b"optout":
            options.optout = True
        elif word == b"noloop":
            options.noloop = True
        elif word == b"prefix" and more:
            index += 1
            options.prefixes.append(argv[index])
        else:
            raise CommandError(errors.SYNTAX)
        index += 1
    return options


def _check(state: ClientTracking | None, options: _Options) -> None:
    """The combinations CLIENT TRACKING ON refuses, in Redis's order."""
    if options.prefixes and not options.bcast:
        raise CommandError(errors.TRACKING_PREFIX_NEEDS_BCAST)
    if state is not None and state.bcast != options.bcast:
        raise CommandError(errors.TRACKING_BCAST_SWITCH)
    if options.bcast and (options.optin or options.optout):
        raise CommandError(errors.TRACKING_BCAST_OPTIN)
    if options.optin and options.optout:
        raise CommandError(errors.TRACKING_OPTIN_AND_OPTOUT)
    if state is not None and ((options.optin and state.optout) or (options.optout and state.optin)):
        raise CommandError(errors.TRACKING_OPT_SWITCH)
    if options.bcast:
        given = options.prefixes
        for i, prefix in enumerate(given):
            for existing in sorted(state.prefixes) if state is not None else ():
                if overlaps(existing, prefix):
                    raise CommandError(errors.prefix_overlaps_existing(prefix, existing))
            for other in given[i + 1 :]:
                if overlaps(prefix, other):
                    # Redis replies this error and then, for any but the first prefix, also
                    # enables tracking and replies +OK (two replies to one command); pyredisd
                    # replies the error only and changes nothing.
                    raise CommandError(errors.prefix_overlaps_given(prefix, other))


@GROUP.command(
    "tracking",
    -3,
    _CLIENT,
    container="client",
    since="6.0.0",
    complexity="O(1). Some options may introduce additional complexity.",
    usage="(ON|OFF) [REDIRECT client-id] [PREFIX prefix]... [BCAST] [OPTIN] [OPTOUT] [NOLOOP]",
)
def cmd_client_tracking(c: Client, argv: Argv) -> Reply:
    """Controls server-assisted client-side caching for the connection."""
    options = _parse(c, argv)
    mode = argv[2].lower()
    tracking = c.server.tracking
    if mode == b"on":
        _check(c.tracking, options)
        tracking.enable(
            c,
            options.redirect,
            bcast=options.bcast,
            optin=options.optin,
            optout=options.optout,
            noloop=options.noloop,
            prefixes=options.prefixes,
        )
    elif mode == b"off":
        tracking.disable(c)
    else:
        raise CommandError(errors.SYNTAX)
    return OK


@GROUP.command(
    "caching",
    3,
    _CLIENT,
    container="client",
    since="6.0.0",
    usage="(YES|NO)",
)
def cmd_client_caching(c: Client, argv: Argv) -> Reply:
    """Instructs the server whether to track the keys in the next request."""
    state = c.tracking
    if state is None:
        raise CommandError(errors.CACHING_WITHOUT_TRACKING)
    answer = argv[2].lower()
    if answer == b"yes":
        if not state.optin:
            raise CommandError(errors.CACHING_YES_WITHOUT_OPTIN)
    elif answer == b"no":
        if not state.optout:
            raise CommandError(errors.CACHING_NO_WITHOUT_OPTOUT)
    else:
        raise CommandError(errors.SYNTAX)
    state.caching = True  # for the next command, or the next transaction
    return OK


@GROUP.command(
    "getredir",
    2,
    _CLIENT,
    container="client",
    since="6.0.0",
)
def cmd_client_getredir(c: Client, argv: Argv) -> Reply:
    """Returns the client ID to which the connection's tracking notifications are redirected."""
    return -1 if c.tracking is None else c.tracking.redirect


@GROUP.command(
    "trackinginfo",
    2,
    _CLIENT,
    container="client",
    since="6.2.0",
)
def cmd_client_trackinginfo(c: Client, argv: Argv) -> Reply:
    """Returns information about server-assisted client-side caching for the connection."""
    state = c.tracking
    if state is None:
        return Map([(b"flags", SetReply([b"off"])), (b"redirect", -1), (b"prefixes", [])])
    prefixes: list[Reply] = [*sorted(state.prefixes)]
    return Map(
        [
            (b"flags", SetReply(state.flags())),
            (b"redirect", state.redirect),
            (b"prefixes", prefixes),
        ]
    )
