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
