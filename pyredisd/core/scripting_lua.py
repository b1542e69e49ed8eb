"""The Lua side of scripting: the sandbox every script runs in, as Lua source.

Redis 7 builds this in C (``script_lua.c``, ``eval.c``); here the same API is Lua code run once
per Lua state, calling back into Python for ``redis.call`` and friends. It takes the Python
callbacks as its arguments and returns the functions the engine needs.

Globals are protected as in Redis 7: a script sees an empty environment whose reads fall
through to the allowed globals (a missing one raises ``Script attempted to access nonexistent
global variable``) and whose writes raise ``Attempt to modify a readonly table``. ``os``,
``io``, ``package``, ``require``, ``loadfile``, ``dofile``, ``print``, ``debug`` and lupa's
``python`` are not reachable.
"""

BOOTSTRAP = r"""
local call_py, pcall_py, unwrap_py, log_py, setresp_py, sha1_py, version, version_num = ...
local dbg = debug
local G = _G
local pack = function(...) return {n = select('#', ...), ...} end

local allowed = {
  'string', 'math', 'table', 'bit', 'cjson', 'cmsgpack', 'struct',
  'xpcall', 'tostring', 'getfenv', 'setmetatable', 'next', 'assert', 'tonumber', 'rawequal',
  'collectgarbage', 'getmetatable', 'rawset', 'pcall', 'coroutine', 'type', 'select',
  'unpack', 'gcinfo', 'pairs', 'rawget', 'loadstring', 'ipairs', '_VERSION', 'setfenv',
  'load', 'error', 'newproxy',
}
local real = {}
for _, name in ipairs(allowed) do real[name] = G[name] end

-- luaPushErrorBuff: "-CODE msg" or "msg" becomes {err = "CODE msg"}.
local function error_table(s)
  local code, msg
  if s:sub(1, 1) == '-' then
    local space = s:find(' ', 1, true)
    if space then code, msg = s:sub(2, space - 1), s:sub(space + 1)
    else code, msg = 'ERR', s:sub(2) end
  else
    code, msg = 'ERR', s
  end
  msg = msg:gsub('^[\r\n]+', ''):gsub('[\r\n]+$', '')
  return {err = code .. ' ' .. msg}
end

local function raise(s) error(error_table(s)) end

local redis = {}
-- Python functions, so C functions to Lua: a tail call keeps the script's frame (its line).
-- redis.call's error arrives as a Python exception; unwrap_py gives back its error table.
redis.call = call_py
redis.pcall = pcall_py
redis.sha1hex = sha1_py
redis.error_reply = function(...)
  local s = ...
  if select('#', ...) ~= 1 or type(s) ~= 'string' then
    return error_table('wrong number or type of arguments')
  end
  if s:sub(1, 1) ~= '-' then s = '-' .. s end
  return error_table(s)
end
redis.status_reply = function(...)
  local s = ...
  if select('#', ...) ~= 1 or type(s) ~= 'string' then
    return error_table('wrong number or type of arguments')
  end
  return {ok = s}
end
redis.log = log_py
redis.setresp = setresp_py
redis.set_repl = function(...)
  if select('#', ...) ~= 1 then raise('redis.set_repl() requires two arguments.') end
  local flags = tonumber((...)) or 0
  if flags < 0 or flags > 3 or flags ~= math.floor(flags) then
    raise('Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.')
  end
end
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL =
  0, 1, 2, 2, 3
redis.REDIS_VERSION, redis.REDIS_VERSION_NUM = version, version_num
real.redis = redis

-- luaRedisPcall: a Redis error table caught by pcall comes back as its message.
local lua_pcall = G.pcall
real.pcall = function(...)
  local r = pack(lua_pcall(...))
  if not r[1] and type(r[2]) == 'userdata' then r[2] = unwrap_py(r[2]) end
  if not r[1] and type(r[2]) == 'table' and type(r[2].err) == 'string' then
    return false, r[2].err
  end
  return unpack(r, 1, r.n)
end

local function readonly() error('Attempt to modify a readonly table', 2) end
local function protect(t)
  local proxy = setmetatable({}, {__index = t, __newindex = readonly, __metatable = false})
  return proxy
end
for _, name in ipairs({'redis', 'string', 'math', 'table', 'coroutine'}) do
  if real[name] then real[name] = protect(real[name]) end
end
setmetatable(real, {__index = function(_, name)
  error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
end})
local env = setmetatable({}, {__index = real, __newindex = readonly, __metatable = false})
rawset(real, '_G', env)

-- The error handler (eval.c's __redis__err__handler): where in the user's script it failed.
local function handler(err)
  local level, where = 2, nil
  while true do
    local info = dbg.getinfo(level, 'Sl')
    if not info then break end
    if info.source == '@user_script' then where = info break end
    level = level + 1
  end
  if type(err) == 'userdata' then err = unwrap_py(err) end
  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
  if where then
    err['source'] = where.source
    err['line'] = where.currentline
  end
  return err
end

local function compile(body)
  local f, message = loadstring(body, '@user_script')
  if not f then return nil, message end
  setfenv(f, env)
  return f, nil
end

local function run(f, keys, args)
  rawset(real, 'KEYS', keys)
  rawset(real, 'ARGV', args)
  local ok, value = xpcall(f, handler)
  return ok, value
end

local function memory() return collectgarbage('count') end

for _, name in ipairs({'os', 'io', 'package', 'require', 'module', 'loadfile', 'dofile',
                       'print', 'debug', 'python'}) do
  G[name] = nil
end
return compile, run, memory
"""
