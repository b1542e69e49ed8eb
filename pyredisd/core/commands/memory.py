"""MEMORY: USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP (``object.c`` ``memoryCommand``).

Every figure is the server's estimate (:mod:`pyredisd.core.memory`, :mod:`pyredisd.core.memsize`):
MEMORY USAGE is a key's object, its value (nested values sampled, SAMPLES as in Redis) and its
entries in the keyspace's tables; MEMORY STATS is INFO memory's accounting as a map.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyredisd.core import errors, process
from pyredisd.core.commands.args import to_int
from pyredisd.core.commands.spec import Argv, CmdFlag, CommandGroup, KeyFlag, KeySpec
from pyredisd.core.errors import CommandError
from pyredisd.core.memsize import INT_SIZE, TABLE_ENTRY, bytes_size, value_size
from pyredisd.core.replies import OK, Double, Map, Reply, Status

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

GROUP = CommandGroup("server")
_F = CmdFlag
DEFAULT_SAMPLES = 5  # OBJ_COMPUTE_SIZE_DEF_SAMPLES


@GROUP.command("memory", -2, since="4.0.0", complexity="Depends on subcommand.")
def cmd_memory(c: Client, argv: Argv) -> Reply:
    """A container for memory diagnostics commands."""
    raise CommandError(errors.unknown_subcommand(argv[0], argv[1]))  # pragma: no cover


@GROUP.command(
    "usage",
    -3,
    _F.READONLY,
    keys=(KeySpec(KeyFlag.RO, begin=2),),
    container="memory",
    since="4.0.0",
    complexity="O(N) where N is the number of samples.",
    usage="key [SAMPLES count]",
)
def cmd_memory_usage(c: Client, argv: Argv) -> Reply:
    """Estimates the memory usage of a key."""
    samples = DEFAULT_SAMPLES
    index = 3
    while index < len(argv):
        if argv[index].lower() == b"samples" and index + 1 < len(argv):
            samples = to_int(argv[index + 1])
            if samples < 0:
                raise CommandError(errors.SYNTAX)
            index += 2
        else:
            raise CommandError(errors.SYNTAX)
    key = argv[2]
    db = c.db
    value = db.data.get(key)  # as dbFind: no expiry check, no access
    if value is None:
        return None
    usage = bytes_size(key) + value_size(value, samples, db.names.table) + 2 * TABLE_ENTRY
    if key in db.expires:
        usage += TABLE_ENTRY + INT_SIZE
    return usage


def _stats(c: Client) -> list[tuple[Reply, Reply]]:
    server = c.server
    memory = server.memory
    used = memory.used()
    overhead = memory.overhead()
    startup = memory.startup
    peak = memory.peak
    rss = process.rss_bytes()
    keys = sum(len(db) for db in server.dbs)
    net = used - startup
    dataset = used - overhead
    items: list[tuple[Reply, Reply]] = [
        (b"peak.allocated", peak),
        (b"total.allocated", used),
        (b"startup.allocated", startup),
        (b"replication.backlog", 0),
        (b"clients.slaves", 0),
        (b"clients.normal", 0),
        (b"cluster.links", 0),
        (b"aof.buffer", 0),
        (b"lua.caches", 0),
        (b"functions.caches", 0),
    ]
    for db in server.dbs:
        if len(db):
            main = db.overhead() - db.expires.__sizeof__()
            tables = Map(
                [
                    (b"overhead.hashtable.main", main),
                    (b"overhead.hashtable.expires", db.expires.__sizeof__()),
                ]
            )
            items.append((f"db.{db.id}".encode(), tables))
    items += [
        (b"overhead.db.hashtable.lut", overhead - startup),
        (b"overhead.db.hashtable.rehashing", 0),
        (b"overhead.total", overhead),
        (b"db.dict.rehashing.count", 0),
        (b"keys.count", keys),
        (b"keys.bytes-per-key", net // keys if keys else 0),
        (b"dataset.bytes", dataset),
        (b"dataset.percentage", Double(100 * dataset / net if net > 0 else 0.0)),
        (b"peak.percentage", Double(100 * used / peak if peak else 0.0)),
        (b"allocator.allocated", used),
        (b"allocator.active", used),
        (b"allocator.resident", rss),
        (b"allocator.muzzy", 0),
        (b"allocator-fragmentation.ratio", Double(1.0)),
        (b"allocator-fragmentation.bytes", 0),
        (b"allocator-rss.ratio", Double(rss / used if used else 1.0)),
        (b"allocator-rss.bytes", rss - used),
        (b"rss-overhead.ratio", Double(1.0)),
        (b"rss-overhead.bytes", 0),
        (b"fragmentation", Double(rss / used if used else 1.0)),
        (b"fragmentation.bytes", rss - used),
    ]
    return items


@GROUP.command("stats", 2, container="memory", since="4.0.0")
def cmd_memory_stats(c: Client, argv: Argv) -> Reply:
    """Returns details about memory usage."""
    return Map(_stats(c))


_EMPTY = (
    "Hi Sam, this instance is empty or is using very little memory, my issues detector can't "
    "be used in these conditions. Please, leave for your mission on Earth and fill it with some "
    "data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
)
_HEALTHY = (
    "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
    "occurs on this base.\n"
)
_DOCTOR_MIN = 5 * 1024 * 1024  # getMemoryDoctorReport: below 5MB of data, nothing to say


@GROUP.command("doctor", 2, container="memory", since="4.0.0")
def cmd_memory_doctor(c: Client, argv: Argv) -> Reply:
    """Outputs a memory problems report."""
    memory = c.server.memory
    return (_EMPTY if memory.used() - memory.startup < _DOCTOR_MIN else _HEALTHY).encode()


@GROUP.command("malloc-stats", 2, container="memory", since="4.0.0")
def cmd_memory_malloc_stats(c: Client, argv: Argv) -> Reply:
    """Returns the allocator statistics."""
    return b"Stats not supported for the current allocator"


@GROUP.command("purge", 2, container="memory", since="4.0.0")
def cmd_memory_purge(c: Client, argv: Argv) -> Reply:
    """Asks the allocator to release memory."""
    return OK


_HELP = (
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
)


@GROUP.command("help", 2, _F.LOADING | _F.STALE, container="memory", since="4.0.0")
def cmd_memory_help(c: Client, argv: Argv) -> Reply:
    """Returns helpful text about the different subcommands."""
    return [Status(line) for line in _HELP]
