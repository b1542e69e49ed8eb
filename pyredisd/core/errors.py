"""Every error string pyredisd sends on the wire, and the exceptions that carry them.

Handlers raise :class:`CommandError`; the dispatcher turns it into a RESP error. Strings follow
Redis 7.4 (``server.c`` ``createSharedObjects`` and the ``addReplyError*`` call sites). Messages are
stored without the leading ``-`` and trailing CRLF; the encoder adds those.
"""

from __future__ import annotations


class CommandError(Exception):
    """A command failed with a Redis error reply; ``message`` starts with its code (``ERR``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def code(self) -> str:
        """The error code (first word), as counted in INFO errorstats."""
        return self.message.split(" ", 1)[0]


class ProtocolError(Exception):
    """The client broke RESP framing; reply ``-ERR Protocol error: ...`` and close after it."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.message = "ERR Protocol error: " + detail


class ConfigError(Exception):
    """A configuration directive or value was rejected (start-up or CONFIG SET)."""


# -- generic -----------------------------------------------------------------------------------
SYNTAX = "ERR syntax error"
NOT_INTEGER = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NO_SUCH_KEY = "ERR no such key"
OVERFLOW = "ERR increment or decrement would overflow"
INVALID_EXPIRE = "ERR invalid expire time in '{}' command"
NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
AUTH_NOT_CONFIGURED = (
    "ERR AUTH <password> called without any password configured for the default user. "
    "Are you sure your configuration is correct?"
)
NOPROTO = "NOPROTO unsupported protocol version"
HELLO_NOAUTH = (
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
    "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
    "select the RESP protocol version at the same time"
)
PROTO_NOT_INTEGER = "ERR Protocol version is not an integer or out of range"
DB_OUT_OF_RANGE = "ERR DB index is out of range"
INVALID_FIRST_DB = "ERR invalid first DB index"
INVALID_SECOND_DB = "ERR invalid second DB index"
MAX_CLIENTS = "ERR max number of clients reached"
CLIENT_NAME_CHARS = "ERR Client names cannot contain spaces, newlines or special characters."
NO_CONFIG_FILE = "ERR The server is running without a config file"
SHUTDOWN_FAILED = "ERR Errors trying to SHUTDOWN. Check logs."
DEBUG_ERROR_DEFAULT = "ERR"
TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range"
STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
NUMKEYS_INVALID = "ERR Invalid number of keys"
INVALID_ARGS_FOR_GETKEYS = "ERR Invalid arguments specified for command"
NO_KEY_ARGS = "ERR The command has no key arguments"
INVALID_COMMAND_SPECIFIED = "ERR Invalid command specified"

# -- protocol (prefixed with "ERR Protocol error: " by ProtocolError) ---------------------------
PROTO_INVALID_MBULK = "invalid multibulk length"
PROTO_INVALID_BULK = "invalid bulk length"
PROTO_EXPECTED_DOLLAR = "expected '$', got '{}'"
PROTO_BIG_INLINE = "too big inline request"
PROTO_UNBALANCED = "unbalanced quotes in request"
PROTO_BIG_MBULK = "too big mbulk count string"
PROTO_BIG_BULK = "too big bulk count string"
PROTO_UNAUTH_MBULK = "unauthenticated multibulk length"
PROTO_UNAUTH_BULK = "unauthenticated bulk length"


def _clip(arg: bytes, limit: int = 128) -> bytes:
    """An argument as Redis's ``%.128s`` prints it (bytes, up to a NUL), CR/LF mapped to spaces."""
    return arg[:limit].split(b"\0", 1)[0].replace(b"\r", b" ").replace(b"\n", b" ")


def _printable(arg: bytes, limit: int = 128) -> str:
    """:func:`_clip` as text; bytes that are not UTF-8 survive as surrogates (surrogateescape)."""
    return _clip(arg, limit).decode("utf-8", "surrogateescape")


def unknown_command(argv: list[bytes]) -> str:
    """``ERR unknown command 'x', with args beginning with: 'a' 'b' `` (cf. server.c; the
    128-byte budget counts bytes, as ``sdslen`` does)."""
    args = b""
    for arg in argv[1:]:
        if len(args) >= 128:
            break
        args += b"'" + _clip(arg, 128 - len(args)) + b"' "
    quoted = args.decode("utf-8", "surrogateescape")
    return f"ERR unknown command '{_printable(argv[0])}', with args beginning with: {quoted}"


def out_of_range(low: int, high: int) -> str:
    """``getRangeLongFromObjectOrReply`` without a custom message (SELECT 4294967296)."""
    return f"ERR value is out of range, value must between {low} and {high}"


def unknown_subcommand(container: bytes, sub: bytes) -> str:
    """``ERR unknown subcommand 'x'. Try CLIENT HELP.`` (container name upper-cased as sent)."""
    return f"ERR unknown subcommand '{_printable(sub)}'. Try {_printable(container).upper()} HELP."


def wrong_arity(fullname: str) -> str:
    """``ERR wrong number of arguments for 'get' command`` (subcommands as ``client|kill``)."""
    return f"ERR wrong number of arguments for '{fullname}' command"


def unknown_option(option: bytes) -> str:
    """``ERR Unrecognized option 'x'`` (CLIENT SETINFO)."""
    return f"ERR Unrecognized option '{_printable(option)}'"


def setinfo_chars(attr: bytes) -> str:
    """``ERR lib-name cannot contain spaces, newlines or special characters.``."""
    return f"ERR {_printable(attr)} cannot contain spaces, newlines or special characters."


def hello_syntax(option: bytes) -> str:
    """``ERR Syntax error in HELLO option 'x'``."""
    return f"ERR Syntax error in HELLO option '{_printable(option)}'"


def config_unknown_option(name: str, command: str = "CONFIG SET") -> str:
    """``ERR Unknown option or number of arguments for CONFIG SET - 'x'``."""
    return f"ERR Unknown option or number of arguments for {command} - '{name}'"


def config_set_failed(name: str, reason: str) -> str:
    """``ERR CONFIG SET failed (possibly related to argument 'x') - reason``."""
    return f"ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}"


CONFIG_IMMUTABLE = "can't set immutable config"


def config_duplicate(name: str) -> str:
    """``ERR Duplicate parameter - x`` (CONFIG SET with the same name twice)."""
    return f"ERR CONFIG SET failed (possibly related to argument '{name}') - duplicate parameter"


def debug_error(message: bytes) -> str:
    """DEBUG ERROR replies with the given text verbatim as the error. Decoded with "replace":
    its first word becomes an INFO errorstats name, which must stay valid UTF-8."""
    return _clip(message, 1 << 30).decode("utf-8", "replace")


EXPIRE_NX_CONFLICT = "ERR NX and XX, GT or LT options at the same time are not compatible"
EXPIRE_GT_LT_CONFLICT = "ERR GT and LT options at the same time are not compatible"


def unsupported_option(option: bytes) -> str:
    """``ERR Unsupported option x`` (EXPIRE family)."""
    return f"ERR Unsupported option {_printable(option)}"


DEBUG_NOT_ALLOWED = (
    'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you '
    "can run it from a local connection, otherwise you need to set this option in the "
    "configuration file, and then restart the server."
)
NO_SHUTDOWN_IN_PROGRESS = "ERR No shutdown in progress."
REWRITE_FAILED = "ERR Rewriting config file: {}"
INVALID_GETKEYS_ARGS = "ERR Invalid number of arguments specified for command"


def subcommand_syntax(sub: bytes, command: str) -> str:
    """``addReplySubcommandSyntaxError``: unknown subcommand or wrong arity for a non-container."""
    return (
        f"ERR unknown subcommand or wrong number of arguments for '{_printable(sub)}'. "
        f"Try {command} HELP."
    )


# -- CLIENT KILL / LIST / COUNT filters, CLIENT UNBLOCK (networking.c; Valkey's for its filters) --
NO_SUCH_CLIENT = "ERR No such client"
CLIENT_ID_NOT_POSITIVE = "ERR client-id should be greater than 0"
INVALID_CLIENT_ID = "ERR Invalid client ID"
MAXAGE_NOT_INTEGER = "ERR maxage is not an integer or out of range"
MAXAGE_NOT_POSITIVE = "ERR maxage should be greater than 0"
IDLE_NOT_INTEGER = "ERR idle is not an integer or out of range"
IDLE_NOT_POSITIVE = "ERR idle should be greater than 0"
DB_FILTER_NOT_INTEGER = "ERR DB is not an integer or out of range"
UNBLOCK_REASON = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"


def unknown_client_type(name: bytes) -> str:
    """``ERR Unknown client type 'x'`` (TYPE filter)."""
    return f"ERR Unknown client type '{_printable(name, 1 << 30)}'"


def no_such_user(name: bytes) -> str:
    """``ERR No such user 'x'`` (USER filter)."""
    return f"ERR No such user '{_printable(name, 1 << 30)}'"


def unknown_filter_flags(flags: bytes) -> str:
    """``ERR Unknown flags found in the provided filter: x`` (Valkey's FLAGS filter)."""
    return f"ERR Unknown flags found in the provided filter: {_printable(flags, 1 << 30)}"


def db_filter_range(highest: int) -> str:
    """``ERR DB number should be between 0 and 15`` (Valkey's DB filter)."""
    return f"ERR DB number should be between 0 and {highest}"


# -- CLIENT PAUSE, MONITOR (networking.c clientCommand, timeout.c getTimeoutFromObjectOrReply) ----
PAUSE_MODE = "ERR CLIENT PAUSE mode must be WRITE or ALL"
TIMEOUT_NOT_INTEGER = "ERR timeout is not an integer or out of range"
TIMEOUT_NEGATIVE = "ERR timeout is negative"
TIMEOUT_OUT_OF_RANGE = "ERR timeout is out of range"
REPLICA_KEYSPACE = "ERR Replica can't interact with the keyspace"


# -- sets and sorted sets (t_set.c, t_zset.c, db.c scanGenericCommand) --------------------------
ZADD_XX_NX = "ERR XX and NX options at the same time are not compatible"
ZADD_GT_LT_NX = "ERR GT, LT, and/or NX options at the same time are not compatible"
ZADD_INCR_PAIRS = "ERR INCR option supports a single increment-element pair"
SCORE_NAN = "ERR resulting score is not a number (NaN)"
ZRANGE_LIMIT = (
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
)
ZRANGE_BYLEX_WITHSCORES = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
MIN_MAX_NOT_FLOAT = "ERR min or max is not a float"
MIN_MAX_NOT_LEX = "ERR min or max not valid string range item"
WEIGHT_NOT_FLOAT = "ERR weight value is not a float"
NUMKEYS_NOT_POSITIVE = "ERR numkeys should be greater than 0"
COUNT_NOT_POSITIVE = "ERR count should be greater than 0"
LIMIT_NEGATIVE = "ERR LIMIT can't be negative"
NUMKEYS_OVER_ARGS = "ERR Number of keys can't be greater than number of args"
MUST_BE_POSITIVE = "ERR value is out of range, must be positive"
RANDOM_COUNT_RANGE = "ERR value is out of range"
SCAN_INVALID_CURSOR = "ERR invalid cursor"


def zset_no_keys(fullname: str) -> str:
    """``ERR at least 1 input key is needed for 'zunion' command`` (ZUNION/ZINTER/ZDIFF...)."""
    return f"ERR at least 1 input key is needed for '{fullname}' command"


# -- lists and hashes (t_list.c, t_hash.c) -------------------------------------------------------
INDEX_OUT_OF_RANGE = "ERR index out of range"
LPOS_RANK_ZERO = (
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
    "or use negative to start from the end of the list"
)
LPOS_COUNT_NEGATIVE = "ERR COUNT can't be negative"
LPOS_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative"
HASH_NOT_INTEGER = "ERR hash value is not an integer"
HASH_NOT_FLOAT = "ERR hash value is not a float"
NAN_OR_INFINITY = "ERR value is NaN or Infinity"
INCR_NAN_OR_INFINITY = "ERR increment would produce NaN or Infinity"

# -- generic keyspace, strings and bitmaps (generic.py, strings.py, bitmaps.py) -----------------
SAME_OBJECT = "ERR source and destination objects are the same"
OBJECT_FREQ_NOT_LFU = (
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
    "that when switching between policies at runtime LRU and LFU data will take some time to "
    "adjust."
)
OBJECT_IDLETIME_LFU = (
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust."
)
OFFSET_OUT_OF_RANGE = "ERR offset is out of range"
DECREMENT_OVERFLOW = "ERR decrement would overflow"
LCS_NOT_STRINGS = "ERR The specified keys must contain string values"
LCS_IDX_AND_LEN = "ERR If you want both the length and indexes, please just use IDX."
BIT_OFFSET = "ERR bit offset is not an integer or out of range"
BIT_VALUE = "ERR bit is not an integer or out of range"
BIT_ARGUMENT = "ERR The bit argument must be 1 or 0."
BITOP_NOT_ARITY = "ERR BITOP NOT must be called with a single source key."
BITFIELD_TYPE = (
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is."
)
BITFIELD_OVERFLOW = "ERR Invalid OVERFLOW type specified"
BITFIELD_RO_GET_ONLY = "ERR BITFIELD_RO only supports the GET subcommand"
SORT_NOT_DOUBLE = "ERR One or more scores can't be converted into double"

# -- HyperLogLog (hyperloglog.c) -----------------------------------------------------------------
HLL_WRONGTYPE = "WRONGTYPE Key is not a valid HyperLogLog string value."
HLL_INVALID = "INVALIDOBJ Corrupted HLL object detected"
PFDEBUG_NO_KEY = "ERR The specified key does not exist"
PFDEBUG_NOT_SPARSE = "ERR HLL encoding is not sparse"


def pfdebug_unknown(sub: bytes) -> str:
    """``ERR Unknown PFDEBUG subcommand 'x'`` (the subcommand as sent, up to a NUL)."""
    return f"ERR Unknown PFDEBUG subcommand '{_printable(sub, 1 << 30)}'"


# -- Pub/Sub -----------------------------------------------------------------------------------
def pubsub_context(command: str) -> str:
    """A subscribed RESP2 client ran a command outside the Pub/Sub context."""
    return (
        f"ERR Can't execute '{command}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT "
        "/ RESET are allowed in this context"
    )


# -- geo ------------------------------------------------------------------------------------------
GEO_INVALID_PAIR = "ERR invalid longitude,latitude pair %f,%f"
GEO_UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI"
GEO_NEED_RADIUS = "ERR need numeric radius"
GEO_RADIUS_NEGATIVE = "ERR radius cannot be negative"
GEO_NEED_WIDTH = "ERR need numeric width"
GEO_NEED_HEIGHT = "ERR need numeric height"
GEO_BOX_NEGATIVE = "ERR height or width cannot be negative"
GEO_DECODE_MEMBER = "ERR could not decode requested zset member"
GEO_COUNT = "ERR COUNT must be > 0"
GEO_STORE_OPTIONS = "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
GEO_FROM = "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s"
GEO_BY = "ERR exactly one of BYRADIUS and BYBOX can be specified for %s"
GEO_ANY_COUNT = "ERR the ANY argument requires COUNT argument"

# -- transactions (multi.c; processCommand's NO_MULTI check; rejectCommand's execCommandAbort) --
MULTI_NESTED = "ERR MULTI calls can not be nested"
EXEC_WITHOUT_MULTI = "ERR EXEC without MULTI"
DISCARD_WITHOUT_MULTI = "ERR DISCARD without MULTI"
WATCH_INSIDE_MULTI = "ERR WATCH inside MULTI is not allowed"
NOT_IN_TRANSACTION = "ERR Command not allowed inside a transaction"
EXECABORT = "EXECABORT Transaction discarded because of previous errors."
MONITOR_DENY_BLOCKING = "ERR MONITOR isn't allowed for DENY BLOCKING client"


def exec_abort(message: str) -> str:
    """EXEC itself rejected inside MULTI (cf. ``execCommandAbort``): the transaction is discarded
    and the rejection is quoted (an ``ERR`` reason loses its code, as Redis formats it)."""
    reason = message[4:] if message.startswith("ERR ") else message
    return "EXECABORT Transaction discarded because of: " + reason


# -- hash-field expiry (t_hash.c: hexpireGenericCommand, httlGenericCommand, hpersistCommand) --
HFE_NEGATIVE_EXPIRE = "ERR invalid expire time, must be >= 0"
HFE_FIELDS_MISSING = "ERR Mandatory argument FIELDS is missing or not at the right position"
HFE_NUMFIELDS_ZERO = "ERR Parameter `numFields` should be greater than 0"
HFE_NUMFIELDS_POSITIVE = "ERR Number of fields must be a positive integer"
HFE_NUMFIELDS_MISMATCH = "ERR The `numfields` parameter must match the number of arguments"


# -- client-side caching (CLIENT TRACKING / CACHING; networking.c, tracking.c) -------------------
TRACKING_REDIRECT_TWICE = "ERR A client can only redirect to a single other client"
TRACKING_REDIRECT_MISSING = "ERR The client ID you want redirect to does not exist"
TRACKING_PREFIX_NEEDS_BCAST = "ERR PREFIX option requires BCAST mode to be enabled"
TRACKING_BCAST_SWITCH = (
    "ERR You can't switch BCAST mode on/off before disabling tracking for this client, "
    "and then re-enabling it with a different mode."
)
TRACKING_BCAST_OPTIN = "ERR OPTIN and OPTOUT are not compatible with BCAST"
TRACKING_OPTIN_AND_OPTOUT = "ERR You can't specify both OPTIN mode and OPTOUT mode"
TRACKING_OPT_SWITCH = (
    "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, "
    "and then re-enabling it with a different mode."
)
CACHING_WITHOUT_TRACKING = (
    "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
    "OPTOUT mode enabled"
)
CACHING_YES_WITHOUT_OPTIN = (
    "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
)
CACHING_NO_WITHOUT_OPTOUT = (
    "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."
)


def _c_string(arg: bytes) -> str:
    """An argument as ``%s`` prints it: up to its first NUL."""
    return arg.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def prefix_overlaps_existing(prefix: bytes, existing: bytes) -> str:
    """A new BCAST prefix overlaps one the client already has (checkPrefixCollisionsOrReply)."""
    return (
        f"ERR Prefix '{_c_string(prefix)}' overlaps with an existing prefix "
        f"'{_c_string(existing)}'. Prefixes for a single client must not overlap."
    )


def prefix_overlaps_given(prefix: bytes, other: bytes) -> str:
    """Two prefixes of one CLIENT TRACKING call overlap."""
    return (
        f"ERR Prefix '{_c_string(prefix)}' overlaps with another provided prefix "
        f"'{_c_string(other)}'. Prefixes for a single client must not overlap."
    )


# -- keyspace notifications (notify.c keyspaceEventsStringToFlags; config.c) ----------------------
NOTIFY_INVALID_CLASS = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."


# -- blocking commands (blocked.c, timeout.c getTimeoutFromObjectOrReply) --------------------------
UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK"


# -- maxmemory and MEMORY (evict.c, server.c processCommand, object.c memoryCommand) -------------
OOM = "OOM command not allowed when used memory > 'maxmemory'."


# -- scripting (eval.c, script.c, script_lua.c) -----------------------------------------------
NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL."
NOTBUSY = "NOTBUSY No scripts in execution right now."
NUMKEYS_TOO_BIG = "ERR Number of keys can't be greater than number of args"
NUMKEYS_NEGATIVE = "ERR Number of keys can't be negative"
SCRIPT_FLUSH_MODE = "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
SCRIPT_OOM = (
    "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'"
)
SCRIPT_RO_WITH_WRITE = "ERR Can not execute a script with write flag using *_ro command."
# What redis.call raises (luaPushError adds the ERR code).
SCRIPT_NO_ARGUMENTS = "Please specify at least one argument for this redis lib call"
SCRIPT_BAD_ARGUMENTS = "Lua redis lib command arguments must be strings or integers"
SCRIPT_UNKNOWN_COMMAND = "Unknown Redis command called from script"
SCRIPT_WRONG_ARITY = "Wrong number of args calling Redis command from script"
SCRIPT_NOT_ALLOWED = "This Redis command is not allowed from script"
SCRIPT_WRITE_IN_RO = "Write commands are not allowed from read-only scripts."
