-- ratelimit-redis: the general path's prologue, after head.lua and the algorithm's single-limit fast path
-- (see README.md, "How a decision runs"): the limits as tables and the helpers every algorithm part uses.
local PERMITS, PERIOD, CAP, NUM, DEN = {}, {}, {}, {}, {}
for i = 1, n do
  local b = 4 + (i - 1) * 5
  PERMITS[i] = tonumber(ARGV[b + 1])
  PERIOD[i] = tonumber(ARGV[b + 2])
  CAP[i] = tonumber(ARGV[b + 3])
  NUM[i] = tonumber(ARGV[b + 4])
  DEN[i] = tonumber(ARGV[b + 5])
end

-- floor(a / b) for integers |a| < 2^53 and 0 < b: the double quotient can be off by one near an integer.
local function fdiv(a, b)
  local q = math.floor(a / b)
  if q * b > a then
    q = q - 1
  elseif (q + 1) * b <= a then
    q = q + 1
  end
  return q
end

local function cdiv(a, b)
  return -fdiv(-a, b)
end

local FORMAT = 1
-- Fixed-width state: a format byte, then doubles (exact for integers below 2^53).
local function decode(raw, width)
  if not raw or #raw ~= 1 + 8 * width or string.byte(raw, 1) ~= FORMAT then
    return nil
  end
  local s, pos = {}, 2
  for j = 1, width do
    s[j], pos = struct.unpack('<d', raw, pos)
  end
  return s
end

local function encode(s)
  local parts = {string.char(FORMAT)}
  for j = 1, #s do
    parts[j + 1] = struct.pack('<d', s[j])
  end
  return table.concat(parts)
end

-- Writes the state, expiring it when it is back at full allowance (fullAfter us from now) plus the margin.
local function persist(value, fullAfter)
  local ttl = math.ceil(fullAfter / 1000) + margin
  if ttl <= 0 then
    redis.call('DEL', key)
  else
    redis.call('SET', key, value, 'PX', ttl)
  end
end

-- Format 2 (fixed window, sliding window, token bucket): a format byte, then the per-limit fields of every
-- stored limit, then each stored limit's descriptor (what it was written under, its period first), all doubles:
-- the reference state after element 0 (dev.ratelimit.spi.PerLimitTransition). Returns the doubles and the
-- number of stored limits, or nil. Format 1 (above) is what earlier releases wrote: fields only, read as written
-- under these limits at these positions.
local LIMITS_FORMAT = 2
local function decodeLimits(raw, per)
  if not raw or #raw <= 1 or string.byte(raw, 1) ~= LIMITS_FORMAT or (#raw - 1) % (8 * per) ~= 0 then
    return nil
  end
  local m = (#raw - 1) / (8 * per)
  local v, pos = {}, 2
  for j = 1, m * per do
    v[j], pos = struct.unpack('<d', raw, pos)
  end
  return v, m
end

-- For each limit, the stored limit (1..m) whose state it takes over, 0 for none: the first stored limit of the
-- same period not yet taken, then the limits left over take the stored limits left over, in order.
local function matchLimits(periods, m)
  local from, taken = {}, {}
  for i = 1, n do
    from[i] = 0
    for j = 1, m do
      if not taken[j] and periods[j] == PERIOD[i] then
        taken[j] = true
        from[i] = j
        break
      end
    end
  end
  local j = 1
  for i = 1, n do
    if from[i] == 0 then
      while j <= m and taken[j] do
        j = j + 1
      end
      if j <= m then
        taken[j] = true
        from[i] = j
        j = j + 1
      end
    end
  end
  return from
end

-- A request (not a peek, nor an adjustment, which writes anyway) stores a state converted from other limits
-- at once, even if it spends nothing: the next request continues from it, as in the reference.
local function keepConverted(s, resetAfter, save)
  if op == 'B' or (op == 'A' and amount ~= 0) then
    local fullAfter = 0
    for i = 1, n do
      fullAfter = math.max(fullAfter, resetAfter(s, i))
    end
    save(s, fullAfter)
  end
end

-- Writes a state of `width` fields per limit followed by each limit's descriptor (describe(i), packed), in
-- format 2.
local function saveLimits(nxt, width, describe, fullAfter)
  local parts = {string.char(LIMITS_FORMAT)}
  for j = 1, width * n do
    parts[j + 1] = struct.pack('<d', nxt[j])
  end
  for i = 1, n do
    parts[width * n + 1 + i] = describe(i)
  end
  persist(table.concat(parts), fullAfter)
end

-- The stored state as these limits read it, for an algorithm with `width` fields and `per` descriptor numbers
-- per limit (the period first). A state of format 1, or of format 2 written under exactly these limits
-- (sameLimit(v, d, i): the descriptor at v[d] describes limit i), is read as it is. Otherwise each limit takes
-- over the stored limit matched to it (matchLimits): take(s, i, v, j, d) sets limit i's fields from stored limit j
-- (its descriptor at v[d]), or to a fresh key's when j is 0; the converted state is kept (keepConverted).
local function loadLimits(raw, width, per, sameLimit, take, resetAfter, save)
  local s = decode(raw, width * n)
  if s then
    return s
  end
  local v, m = decodeLimits(raw, width + per)
  if not v then
    return nil
  end
  local periods, same = {}, m == n
  for j = 1, m do
    local d = width * m + per * (j - 1) + 1
    periods[j] = v[d]
    if same and not sameLimit(v, d, j) then
      same = false
    end
  end
  if same then
    return v
  end
  local from = matchLimits(periods, m)
  s = {}
  for i = 1, n do
    local j = from[i]
    take(s, i, v, j, width * m + per * (j - 1) + 1)
  end
  keepConverted(s, resetAfter, save)
  return s
end

-- For the windowed algorithms: a limit is described by its period alone; a taken limit's window and counts carry
-- as they are (read with the new period), a fresh one starts at the window of now with zero counts.
local function samePeriod(v, d, i)
  return v[d] == PERIOD[i]
end

local function periodOf(i)
  return struct.pack('<d', PERIOD[i])
end

local function windowTake(width)
  return function(s, i, v, j)
    local base = width * (i - 1)
    if j == 0 then
      s[base + 1] = fdiv(now, PERIOD[i]) * PERIOD[i]
      for k = 2, width do
        s[base + k] = 0
      end
    else
      for k = 1, width do
        s[base + k] = v[width * (j - 1) + k]
      end
    end
  end
end
