"""The filter grammar of CLIENT KILL, CLIENT LIST and CLIENT COUNT, and matching clients to it.

Rules (cf. ``clientCommand`` in Redis 7.4's ``networking.c`` and ``parseClientFiltersOrReply``
/ ``clientMatchesFilter`` in Valkey 9.0's):

1. Filters are ``<NAME> <value>`` pairs, names case-insensitive, combined with AND. Giving the
   same filter twice keeps the last value, except ``ID``/``NOT-ID``, whose ids accumulate.
2. Redis 7.4's filters keep Redis's error strings: ``ID``, ``TYPE``, ``ADDR``, ``LADDR``,
   ``USER``, ``SKIPME``, ``MAXAGE``. Valkey's extensions keep Valkey's: ``NAME``, ``IDLE``,
   ``FLAGS``, ``LIB-NAME``, ``LIB-VER``, ``DB``, ``IP``, and ``NOT-<filter>`` for ``ID TYPE ADDR
   LADDR USER FLAGS NAME LIB-NAME LIB-VER DB IP``, which keeps the clients the filter would drop.
   (``CAPA`` is not supported: pyredisd has no client capabilities.)
3. ``ID`` takes one or more ids (Redis's KILL takes one; its LIST, and Valkey, several): the
   integers that follow are ids, up to the next non-integer. In KILL the first id must be an
   integer >= 1 (``ERR client-id should be greater than 0``); in LIST and COUNT a non-integer
   that is not a filter name is ``ERR Invalid client ID``, and ids < 1 simply match nothing, as
   in Redis's ``CLIENT LIST ID``.
4. ``SKIPME`` defaults to ``yes`` for KILL and ``no`` for LIST and COUNT.
5. Parsing completes before anything is matched, so a bad filter kills nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from pyredisd.core import errors
from pyredisd.core.commands.args import to_int, to_int32
from pyredisd.core.errors import CommandError
from pyredisd.core.request import string2ll

if TYPE_CHECKING:
    from pyredisd.core.clients import Client

Test = Callable[["Client", float], bool]

# TYPE values (cf. ``getClientTypeByName``; ``primary`` is Valkey's spelling of ``master``).
CLIENT_TYPES = {
    b"normal": "normal",
    b"master": "master",
    b"primary": "master",
    b"replica": "replica",
    b"slave": "replica",
    b"pubsub": "pubsub",
}
# Letters FLAGS accepts (cf. Valkey's ``validateClientFlagFilter``).
FLAG_LETTERS = frozenset("OSMPxbtRBdcuAUreTIN")
_NEGATABLE = (
    b"id",
    b"type",
    b"addr",
    b"laddr",
    b"user",
    b"flags",
    b"name",
    b"lib-name",
    b"lib-ver",
    b"db",
    b"ip",
)
FILTER_NAMES = frozenset(
    (b"skipme", b"maxage", b"idle", *_NEGATABLE, *(b"not-" + name for name in _NEGATABLE))
)


class ClientFilter:
    """A parsed filter: named tests that all have to pass, plus SKIPME.

    :param skipme: whether the calling client is excluded.
    """

    def __init__(self, skipme: bool) -> None:
        self.skipme = skipme
        self.tests: dict[bytes, Test] = {}
        self.ids: set[int] = set()
        self.not_ids: set[int] = set()

    def matches(self, client: Client, caller: Client | None, now: float) -> bool:
        """Whether ``client`` passes every filter, ``caller`` being the client asking."""
        if self.skipme and client is caller:
            return False
        return all(test(client, now) for test in self.tests.values())

    def select(self, clients: Iterable[Client], caller: Client | None, now: float) -> list[Client]:
        """The clients of ``clients`` that match, in order."""
        return [client for client in clients if self.matches(client, caller, now)]


def parse_filters(
    argv: Sequence[bytes],
    start: int,
    *,
    kill: bool,
    databases: int,
    users: Iterable[str] = ("default",),
) -> ClientFilter:
    """Parse ``argv[start:]`` as filters; raise :class:`CommandError` on the first bad one.

    :param kill: CLIENT KILL's rules (SKIPME defaults to yes; Redis's KILL error for ids)
        rather than CLIENT LIST's.
    :param databases: how many databases exist (the ``DB`` range).
    :param users: the user names ``USER`` accepts.
    """
    result = ClientFilter(skipme=kill)
    index = start
    argc = len(argv)
    while index < argc:
        option = argv[index].lower()
        negate = option.startswith(b"not-") and option[4:] in _NEGATABLE
        name = option[4:] if negate else option
        if name == b"id" and index + 1 < argc:
            ids, index = _parse_ids(argv, index + 1, kill)
            (result.not_ids if negate else result.ids).update(ids)
            result.tests[option] = _id_test(result.not_ids if negate else result.ids, negate)
            continue
        if option not in FILTER_NAMES or index + 1 >= argc:
            raise CommandError(errors.SYNTAX)
        value = argv[index + 1]
        index += 2
        if name == b"skipme":
            result.skipme = _parse_yes_no(value)
            continue
        test = _parse_test(name, value, databases, users)
        result.tests[option] = _negated(test) if negate else test
    return result


def _parse_ids(argv: Sequence[bytes], index: int, kill: bool) -> tuple[list[int], int]:
    """The ids from ``argv[index]`` on, and the index after them."""
    bad_id = errors.CLIENT_ID_NOT_POSITIVE if kill else errors.INVALID_CLIENT_ID
    ids: list[int] = []
    while index < len(argv):
        value = string2ll(argv[index])
        if value is None:
            # KILL: the next filter (or a syntax error); LIST: Redis's error unless a filter.
            if not ids or (not kill and argv[index].lower() not in FILTER_NAMES):
                raise CommandError(bad_id)
            break
        if kill and value < 1:
            raise CommandError(bad_id)
        ids.append(value)
        index += 1
    return ids, index


def _parse_yes_no(value: bytes) -> bool:
    lowered = value.lower()
    if lowered == b"yes":
        return True
    if lowered == b"no":
        return False
    raise CommandError(errors.SYNTAX)


def _parse_test(name: bytes, value: bytes, databases: int, users: Iterable[str]) -> Test:
    """The test for filter ``name`` (without ``NOT-``) with argument ``value``."""
    text = value.decode("utf-8", "surrogateescape")
    if name == b"type":
        kind = CLIENT_TYPES.get(value.lower())
        if kind is None:
            raise CommandError(errors.unknown_client_type(value))
        return lambda c, now: c.kind() == kind
    if name == b"addr":
        return lambda c, now: c.addr == text
    if name == b"laddr":
        return lambda c, now: c.laddr == text
    if name == b"user":
        if text not in users:
            raise CommandError(errors.no_such_user(value))
        return lambda c, now: c.user == text
    if name == b"maxage":
        max_age = _positive(value, errors.MAXAGE_NOT_INTEGER, errors.MAXAGE_NOT_POSITIVE)
        return lambda c, now: c.age(now) >= max_age
    if name == b"idle":
        idle = _positive(value, errors.IDLE_NOT_INTEGER, errors.IDLE_NOT_POSITIVE)
        return lambda c, now: c.idle(now) >= idle
    if name == b"flags":
        if not set(text) <= FLAG_LETTERS:
            raise CommandError(errors.unknown_filter_flags(value))
        return lambda c, now: _has_flags(c, text)
    if name == b"name":
        return lambda c, now: c.name == value and value != b""
    if name == b"lib-name":
        return lambda c, now: c.lib_name == value and value != b""
    if name == b"lib-ver":
        return lambda c, now: c.lib_ver == value and value != b""
    if name == b"db":
        db = to_int32(value, errors.DB_FILTER_NOT_INTEGER)
        if not 0 <= db < databases:
            raise CommandError(errors.db_filter_range(databases - 1))
        return lambda c, now: c.db.id == db
    assert name == b"ip"
    return lambda c, now: _ip_matches(c.addr, text)


def _positive(value: bytes, not_integer: str, not_positive: str) -> int:
    """MAXAGE and IDLE: an integer > 0."""
    number = to_int(value, not_integer)
    if number <= 0:
        raise CommandError(not_positive)
    return number


def _id_test(ids: set[int], negate: bool) -> Test:
    if negate:
        return lambda c, now: c.id not in ids
    return lambda c, now: c.id in ids


def _negated(test: Test) -> Test:
    return lambda c, now: not test(c, now)


def _has_flags(client: Client, letters: str) -> bool:
    """FLAGS: every letter must be set (cf. Valkey's ``clientMatchesFlagFilter``). ``N`` means
    no flags at all; ``S`` also matches MONITOR clients, which Redis and Valkey keep as replicas
    internally."""
    flags = client.flags()
    for letter in letters:
        if letter == "S":
            if not (client.replica or client.monitor):
                return False
        elif letter not in flags:
            return False
    return True


def _ip_matches(addr: str, ip: str) -> bool:
    """IP: the address without its port, IPv6 without brackets; Unix sockets (port 0) never
    match (cf. Valkey's ``clientMatchesIpFilter``)."""
    host, _, port = addr.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host == ip and port != "0"
