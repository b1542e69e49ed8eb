"""Transactions: MULTI EXEC DISCARD WATCH UNWATCH.

A client in MULTI (``Client.multi`` is its queue) has its commands queued by the dispatcher's
slow path (``Server._intercept``), which also answers the rejections that doom the transaction
(unknown command, wrong arity, NOAUTH, NO_MULTI commands: ``Client.dirty_exec``, then EXEC
answers EXECABORT). WATCH state lives in :mod:`pyredisd.core.watch`; a touched watched key sets
``Client.dirty_cas`` and EXEC answers a null array.

Inside EXEC each queued command runs as Redis's ``call`` would (statistics, monitors), under
EXEC's time snapshot; a failing command puts its error in EXEC's array and the others still run.
The client stays flagged ``x`` (and CLIENT INFO shows ``multi=<count>``) until EXEC ends, as in
Redis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core import errors, watch
from pyredisd.core.commands.spec import KEY_RO_ALL, Argv, CmdFlag, CommandGroup
from pyredisd.core.errors import CommandError
from pyredisd.core.replies import NULL_ARRAY, OK, ErrorReply, Reply

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("transactions")
_F = CmdFlag
_TX = _F.NOSCRIPT | _F.LOADING | _F.STALE
_ACL = ("transaction",)


@GROUP.command("multi", 1, _TX | _F.FAST | _F.ALLOW_BUSY, since="1.2.0", acl=_ACL)
def cmd_multi(c: Client, argv: Argv) -> Reply:
    """Starts a transaction."""
    if c.multi is not None:
        raise CommandError(errors.MULTI_NESTED)
    c.server.begin_transaction(c)
    return OK


@GROUP.command(
    "exec",
    1,
    _TX | _F.SKIP_SLOWLOG,
    since="1.2.0",
    complexity="Depends on commands in the transaction",
    acl=_ACL,
)
def cmd_exec(c: Client, argv: Argv) -> Reply:
    """Executes all commands in a transaction."""
    queue = c.multi
    if queue is None:
        raise CommandError(errors.EXEC_WITHOUT_MULTI)
    server = c.server
    if c.watched and watch.expired_since_watch(c, server.now_ms):
        c.dirty_cas = True
    if c.dirty_exec:
        server.discard_transaction(c)
        raise CommandError(errors.EXECABORT)
    if c.dirty_cas:
        server.discard_transaction(c)
        return NULL_ARRAY
    watch.unwatch_all(c)  # our own writes below must not make us dirty
    replies: list[Reply] = []
    try:
        for command, args in queue:
            if command.fullname == "monitor":
                # Replies inside EXEC are one per command: MONITOR cannot switch the
                # connection (cf. monitorCommand under CLIENT_DENY_BLOCKING).
                server.stats.count_error(errors.MONITOR_DENY_BLOCKING)
                command.failed_calls += 1
                replies.append(ErrorReply(errors.MONITOR_DENY_BLOCKING))
                continue
            replies.append(server.call_queued(c, command, args))
    finally:
        server.discard_transaction(c)
    return replies


@GROUP.command("discard", 1, _TX | _F.FAST | _F.ALLOW_BUSY, since="2.0.0", acl=_ACL)
def cmd_discard(c: Client, argv: Argv) -> Reply:
    """Discards a transaction."""
    if c.multi is None:
        raise CommandError(errors.DISCARD_WITHOUT_MULTI)
    c.server.discard_transaction(c)
    return OK


@GROUP.command(
    "watch",
    -2,
    _TX | _F.FAST | _F.ALLOW_BUSY,
    since="2.2.0",
    complexity="O(1) for every key.",
    keys=(KEY_RO_ALL,),
    acl=_ACL,
    usage="key...",
)
def cmd_watch(c: Client, argv: Argv) -> Reply:
    """Monitors changes to keys to determine the execution of a transaction."""
    if c.multi is not None:
        raise CommandError(errors.WATCH_INSIDE_MULTI)
    if not c.dirty_cas:  # no point in watching more: EXEC will fail anyway
        db = c.db
        for key in argv[1:]:
            watch.watch(c, db, key)
    return OK


@GROUP.command("unwatch", 1, _TX | _F.FAST | _F.ALLOW_BUSY, since="2.2.0", acl=_ACL)
def cmd_unwatch(c: Client, argv: Argv) -> Reply:
    """Forgets about watched keys of a transaction."""
    watch.unwatch_all(c)
    c.dirty_cas = False
    return OK
