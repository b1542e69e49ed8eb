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
