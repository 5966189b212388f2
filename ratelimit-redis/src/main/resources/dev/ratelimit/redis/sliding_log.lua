-- SLIDING_LOG (reference: dev.ratelimit.spi.SlidingLog). The log is one string: a format byte, the base (a
-- double), then one 16-byte record per microsecond in which permits were spent, oldest first: its time and the
-- running total of permits up to and including it (doubles). The permits of record j are cum(j) - cum(j - 1),
-- with cum(0) = base. Times never decrease and totals strictly increase, so every question the reference answers
-- by walking the log is a binary search here, and a write copies the kept records as one substring: a decision
-- costs O(log n) Lua work plus one memcpy of the log, however long the log is.
local LOG_FORMAT = 2
local HEADER = 9
local RENORMALIZE = 1125899906842624 -- 2^50: totals are rebased before they could lose precision

local longest = 0
for i = 1, n do
  longest = math.max(longest, PERIOD[i])
end

-- A log view: records off+1 .. off+n of raw; record n may be replaced by (lastTime, lastCum).
local function load(raw)
  if raw and #raw >= HEADER and string.byte(raw, 1) == LOG_FORMAT and (#raw - HEADER) % 16 == 0 then
    return {raw = raw, off = 0, n = (#raw - HEADER) / 16, base = (struct.unpack('<d', raw, 2))}
  end
  return {raw = '', off = 0, n = 0, base = 0}
end

local function time(st, j)
  if j == st.n and st.lastTime then
    return st.lastTime
  end
  return (struct.unpack('<d', st.raw, HEADER + 1 + (st.off + j - 1) * 16))
end

local function cum(st, j)
  if j == 0 then
    return st.base
  end
  if j == st.n and st.lastCum then
    return st.lastCum
  end
  return (struct.unpack('<d', st.raw, HEADER + 9 + (st.off + j - 1) * 16))
end

-- The first record whose time is after t (n + 1 if none).
local function firstAfter(st, t)
  local lo, hi = 1, st.n + 1
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if time(st, mid) > t then
      hi = mid
    else
      lo = mid + 1
    end
  end
  return lo
end

-- The first record j in [from, n] with cum(j) >= total (n + 1 if none).
local function firstReaching(st, from, total)
  local lo, hi = from, st.n + 1
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cum(st, mid) >= total then
      hi = mid
    else
      lo = mid + 1
    end
  end
  return lo
end

-- Permits spent inside (now - period, now].
local function count(st, period)
  if st.n == 0 then
    return 0
  end
  return cum(st, st.n) - cum(st, firstAfter(st, now - period) - 1)
end

local function allows(st, i, permits)
  return permits <= PERMITS[i] - count(st, PERIOD[i])
end

local function available(st, i)
  return math.max(0, PERMITS[i] - count(st, PERIOD[i]))
end

local function retryAfter(st, i, permits)
  local p = PERIOD[i]
  local k = firstAfter(st, now - p)
  local before = cum(st, k - 1)
  local mustLeave = cum(st, st.n) - before + permits - PERMITS[i]
  local j = firstReaching(st, k, before + mustLeave)
  return time(st, j) + p - now
end

local function resetAfter(st, i)
  if st.n == 0 then
    return 0
  end
  local newest = time(st, st.n)
  if newest > now - PERIOD[i] then
    return newest + PERIOD[i] - now
  end
  return 0
end

-- Drops records older than the longest period and spends `permits` at max(now, newest); only ever called on a
-- state as loaded, which has no replaced record.
local function spend(st, permits)
  local k = firstAfter(st, now - longest)
  local kept = st.n - k + 1
  local newest = -math.huge
  if st.n > 0 then
    newest = time(st, st.n)
  end
  local stamp = math.max(now, newest)
  local nxt = {raw = st.raw, off = st.off + k - 1, n = kept, base = cum(st, k - 1)}
  if permits == 0 then
    return nxt
  end
  if kept > 0 and newest == stamp then
    nxt.lastTime = newest
    nxt.lastCum = cum(st, st.n) + permits
  else
    nxt.lastCum = cum(st, st.n) + permits
    nxt.lastTime = stamp
    nxt.n = kept + 1
  end
  return nxt
end

local function adjustSpent(st, delta)
  if delta > 0 then
    local room = delta
    for i = 1, n do
      room = math.min(room, PERMITS[i] - count(st, PERIOD[i]))
    end
    if room > 0 then
      return spend(st, room)
    end
    return spend(st, 0)
  end
  local pruned = spend(st, 0)
  if pruned.n == 0 then
    return pruned
  end
  -- Give back -delta permits from the newest records: the total becomes `target`, cut inside record `keep`.
  local target = cum(pruned, pruned.n) + delta
  if target <= pruned.base then
    pruned.n = 0
    return pruned
  end
  local keep = firstReaching(pruned, 1, target)
  pruned.lastTime = time(pruned, keep)
  pruned.n = keep
  pruned.lastCum = target
  return pruned
end

local function save(st, fullAfter)
  local parts = {string.char(LOG_FORMAT)}
  local replaced = st.lastCum ~= nil and st.n > 0
  local fromRaw = st.n
  if replaced then
    fromRaw = st.n - 1
  end
  if st.base > RENORMALIZE then
    parts[2] = struct.pack('<d', 0)
    for j = 1, st.n do
      parts[#parts + 1] = struct.pack('<dd', time(st, j), cum(st, j) - st.base)
    end
  else
    parts[2] = struct.pack('<d', st.base)
    if fromRaw > 0 then
      local first = HEADER + 1 + st.off * 16
      parts[3] = string.sub(st.raw, first, first + fromRaw * 16 - 1)
    end
    if replaced then
      parts[#parts + 1] = struct.pack('<dd', time(st, st.n), cum(st, st.n))
    end
  end
  persist(table.concat(parts), fullAfter)
end
