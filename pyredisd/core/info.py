"""INFO: section builders with Redis 7.4's section and field names.

Every value is computed from the server's real state; fields for subsystems pyredisd does not
have (persistence, replicas) report what is true of it (nothing in progress, no replicas).
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from pyredisd import __version__
from pyredisd.core import process, watch
from pyredisd.core.version import REDIS_VERSION

if TYPE_CHECKING:
    from pyredisd.core.server import Server

Fields = list[tuple[str, object]]
DEFAULT_SECTIONS = (
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
)
ALL_SECTIONS = (*DEFAULT_SECTIONS[:8], "commandstats", *DEFAULT_SECTIONS[8:])
_TITLES = {"cpu": "CPU"}  # every other header is the capitalized section name


def human(size: int) -> str:
    """``bytesToHuman``: 1.00K, 2.50M, ..."""
    value = float(size)
    for unit in ("B", "K", "M", "G", "T", "P"):
        if value < 1024 or unit == "P":
            return f"{size}B" if unit == "B" else f"{value:.2f}{unit}"
        value /= 1024
    return str(size)  # pragma: no cover


def _server(s: Server) -> Fields:
    now = s.clock.seconds()
    uptime = int(now - s.stats.start_time)
    listeners = [
        (f"listener{i}", f"name=tcp,bind={','.join(s.config['bind'])},port={port}")
        for i, port in enumerate(s.ports)
    ]
    listeners += [
        (f"listener{len(listeners) + i}", f"name=unix,bind={path}")
        for i, path in enumerate(s.unixsockets)
    ]
    return [
        ("redis_version", REDIS_VERSION),
        ("pyredisd_version", __version__),
        ("redis_git_sha1", "00000000"),
        ("redis_git_dirty", 0),
        ("redis_build_id", "0"),
        ("redis_mode", "standalone"),
        ("os", f"{platform.system()} {platform.release()} {platform.machine()}"),
        ("arch_bits", 64 if sys.maxsize > 2**32 else 32),
        ("monotonic_clock", "POSIX clock_gettime"),
        ("multiplexing_api", "twisted"),
        ("atomicvar_api", "none"),
        ("python_version", platform.python_version()),
        ("gcc_version", "0.0.0"),
        ("process_id", os.getpid()),
        ("process_supervised", "no"),
        ("run_id", s.run_id),
        ("tcp_port", s.ports[0] if s.ports else s.config["port"]),
        ("server_time_usec", int(now * 1_000_000)),
        ("uptime_in_seconds", uptime),
        ("uptime_in_days", uptime // 86400),
        ("hz", s.config["hz"]),
        ("configured_hz", s.config["hz"]),
        ("lru_clock", int(now) & ((1 << 24) - 1)),
        ("executable", sys.executable),
        ("config_file", s.config.path or ""),
        ("io_threads_active", 0),
        *listeners,
    ]


def _clients(s: Server) -> Fields:
    # The recent maxima are what the cron saw over the last 8 seconds (cf. clientsCron's
    # ClientsPeakMemInput/Output): input = unparsed bytes + held requests, output = outbox.
    recent_in, recent_out = s.recent_max_buffers()
    clients = list(s.clients)
    return [
        ("connected_clients", len(clients)),
        ("cluster_connections", 0),
        ("maxclients", s.config["maxclients"]),
        ("client_recent_max_input_buffer", recent_in),
        ("client_recent_max_output_buffer", recent_out),
        # Clients postponed by CLIENT PAUSE are blocked too (BLOCKED_POSTPONE), as in Redis.
        ("blocked_clients", sum(1 for c in clients if c.blocked or c.paused)),
        ("tracking_clients", s.tracking.clients),
        ("pubsub_clients", sum(1 for c in clients if c.pubsub)),
        ("watching_clients", sum(1 for c in clients if c.watched)),
        ("clients_in_timeout_table", s.blocking.in_timeout_table()),
        ("total_watched_keys", watch.watched_keys(s.dbs)),
        ("total_blocking_keys", s.blocking.blocking_keys()),
        ("total_blocking_keys_on_nokey", 0),
    ]


def _memory(s: Server) -> Fields:
    # used_memory is the estimate maxmemory is enforced on (pyredisd.core.memory says what it
    # counts); used_memory_rss is what the process holds.
    rss = process.rss_bytes()
    used = s.memory.used()
    peak = s.memory.peak
    overhead = s.memory.overhead()
    startup = s.memory.startup
    dataset = used - overhead
    net = used - startup
    system = process.total_system_memory()
    maxmemory = s.config["maxmemory"]
    lua, scripts = s.scripts.memory(), s.scripts.cache_memory()  # no FUNCTION libraries
    return [
        ("used_memory", used),
        ("used_memory_human", human(used)),
        ("used_memory_rss", rss),
        ("used_memory_rss_human", human(rss)),
        ("used_memory_peak", peak),
        ("used_memory_peak_human", human(peak)),
        ("used_memory_peak_perc", f"{100 * used / peak:.2f}%" if peak else "0.00%"),
        ("used_memory_overhead", overhead),
        ("used_memory_startup", startup),
        ("used_memory_dataset", dataset),
        ("used_memory_dataset_perc", f"{100 * dataset / net:.2f}%" if net > 0 else "0.00%"),
        ("total_system_memory", system),
        ("total_system_memory_human", human(system)),
        ("used_memory_lua", lua),
        ("used_memory_vm_eval", lua),
        ("used_memory_lua_human", human(lua)),
        ("used_memory_scripts_eval", scripts),
        ("number_of_cached_scripts", len(s.scripts.cache)),
        ("number_of_functions", 0),
        ("number_of_libraries", 0),
        ("used_memory_vm_functions", 0),
        ("used_memory_vm_total", lua),
        ("used_memory_vm_total_human", human(lua)),
        ("used_memory_functions", 0),
        ("used_memory_scripts", scripts),
        ("used_memory_scripts_human", human(scripts)),
        ("maxmemory", maxmemory),
        ("maxmemory_human", human(maxmemory)),
        ("maxmemory_policy", s.config["maxmemory-policy"]),
        ("mem_fragmentation_ratio", f"{rss / used:.2f}"),
        ("mem_fragmentation_bytes", rss - used),
        ("mem_not_counted_for_evict", 0),
        ("mem_clients_slaves", 0),
        ("mem_clients_normal", _client_memory(s)),
        ("mem_allocator", "pymalloc"),
        ("lazyfree_pending_objects", 0),
    ]


def _client_memory(s: Server) -> int:
    """mem_clients_normal: what non-replica clients hold (query buffer, held requests, outbox)."""
    return sum(c.qbuf() + c.argv_mem + c.omem() for c in s.clients if c.kind() != "replica")


def _persistence(s: Server) -> Fields:
    return [
        ("loading", 0),
        ("async_loading", 0),
        ("rdb_changes_since_last_save", s.keyspace_stats.dirty),
        ("rdb_bgsave_in_progress", 0),
        ("rdb_last_save_time", int(s.stats.start_time)),
        ("rdb_last_bgsave_status", "ok"),
        ("aof_enabled", 0),
        ("aof_rewrite_in_progress", 0),
        ("aof_last_bgrewrite_status", "ok"),
        ("aof_last_write_status", "ok"),
    ]


def _stats(s: Server) -> Fields:
    st, ks = s.stats, s.keyspace_stats
    return [
        ("total_connections_received", st.connections),
        ("total_commands_processed", s.total_commands()),
        ("instantaneous_ops_per_sec", s.ops_per_sec()),
        ("total_net_input_bytes", st.net_input),
        ("total_net_output_bytes", st.net_output),
        ("rejected_connections", st.rejected_connections),
        ("sync_full", 0),
        ("sync_partial_ok", 0),
        ("sync_partial_err", 0),
        ("expired_subkeys", s.field_expiry.expired),
        ("expired_keys", ks.expired_keys),
        ("evicted_keys", ks.evicted_keys),
        ("evicted_clients", 0),
        ("keyspace_hits", ks.hits),
        ("keyspace_misses", ks.misses),
        ("pubsub_channels", len(s.pubsub.channels)),
        ("pubsub_patterns", len(s.pubsub.patterns)),
        ("pubsubshard_channels", len(s.pubsub.shard_channels)),
        ("latest_fork_usec", 0),
        ("total_forks", 0),
        ("tracking_total_keys", s.tracking.total_keys()),
        ("tracking_total_items", s.tracking.items),
        ("tracking_total_prefixes", s.tracking.total_prefixes()),
        ("total_error_replies", st.error_replies),
        ("client_query_buffer_limit_disconnections", st.qbuf_disconnections),
        ("client_output_buffer_limit_disconnections", st.obuf_disconnections),
    ]


def _replication(s: Server) -> Fields:
    return [
        ("role", "master"),
        ("connected_slaves", 0),
        ("master_failover_state", "no-failover"),
        ("master_replid", s.run_id),
        ("master_replid2", "0" * 40),
        ("master_repl_offset", 0),
        ("second_repl_offset", -1),
        ("repl_backlog_active", 0),
        ("repl_backlog_size", 1048576),
        ("repl_backlog_first_byte_offset", 0),
        ("repl_backlog_histlen", 0),
    ]


def _cpu(s: Server) -> Fields:
    sys_t, user_t, csys, cuser = process.cpu_times()
    return [
        ("used_cpu_sys", f"{sys_t:.6f}"),
        ("used_cpu_user", f"{user_t:.6f}"),
        ("used_cpu_sys_children", f"{csys:.6f}"),
        ("used_cpu_user_children", f"{cuser:.6f}"),
        ("used_cpu_sys_main_thread", f"{sys_t:.6f}"),
        ("used_cpu_user_main_thread", f"{user_t:.6f}"),
    ]


def _modules(s: Server) -> Fields:
    return []


def _errorstats(s: Server) -> Fields:
    return [(f"errorstat_{code}", f"count={count}") for code, count in s.stats.errors.items()]


def _cluster(s: Server) -> Fields:
    return [("cluster_enabled", 0)]


def _keyspace(s: Server) -> Fields:
    return [
        (
            f"db{db.id}",
            f"keys={len(db)},expires={len(db.expires)},avg_ttl=0,"
            f"subexpiry={s.field_expiry.hashes_with_ttls(db)}",
        )
        for db in s.dbs
        if len(db)
    ]


def _commandstats(s: Server) -> Fields:
    fields: Fields = []
    for command in s.commands.all_commands():
        if command.calls or command.rejected_calls or command.failed_calls:
            per_call = command.usec / command.calls if command.calls else 0.0
            fields.append(
                (
                    f"cmdstat_{command.fullname}",
                    f"calls={command.calls},usec={command.usec},"
                    f"usec_per_call={per_call:.2f},rejected_calls="
                    f"{command.rejected_calls},failed_calls={command.failed_calls}",
                )
            )
    return fields


SECTIONS: dict[str, Callable[[Server], Fields]] = {
    "server": _server,
    "clients": _clients,
    "memory": _memory,
    "persistence": _persistence,
    "stats": _stats,
    "replication": _replication,
    "cpu": _cpu,
    "modules": _modules,
    "errorstats": _errorstats,
    "cluster": _cluster,
    "keyspace": _keyspace,
    "commandstats": _commandstats,
}


def info_text(server: Server, requested: list[str]) -> str:
    """The INFO reply text for the requested sections (``default`` if none)."""
    wanted: list[str] = []
    for name in [r.lower() for r in requested] or ["default"]:
        if name == "default":
            group: tuple[str, ...] = DEFAULT_SECTIONS
        elif name in ("all", "everything"):
            group = ALL_SECTIONS
        else:
            group = (name,) if name in SECTIONS else ()
        wanted.extend(g for g in group if g not in wanted)
    chunks = []
    for name in ALL_SECTIONS:
        if name in wanted:
            title = "# " + _TITLES.get(name, name.capitalize()) + "\r\n"
            body = "".join(f"{key}:{value}\r\n" for key, value in SECTIONS[name](server))
            chunks.append(title + body)
    return "\r\n".join(chunks)
