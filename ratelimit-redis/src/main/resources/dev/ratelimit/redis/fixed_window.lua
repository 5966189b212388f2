-- FIXED_WINDOW (reference: dev.ratelimit.spi.FixedWindow). State: per limit {windowStart, count}; stored in
-- format 2 with each limit's period after the counts.

local function windowStart(s, i)
  local p = PERIOD[i]
  local current = fdiv(now, p) * p
  if s and s[2 * i - 1] >= current then
    return s[2 * i - 1]
  end
  return current
end

local function count(s, i, start)
  if s and s[2 * i - 1] == start then
    return s[2 * i]
  end
  return 0
end

local function allows(s, i, permits)
  return permits <= PERMITS[i] - count(s, i, windowStart(s, i))
end

local function available(s, i)
  return math.max(0, PERMITS[i] - count(s, i, windowStart(s, i)))
end

local function retryAfter(s, i, permits)
  return windowStart(s, i) + PERIOD[i] - now
end

local function resetAfter(s, i)
  local start = windowStart(s, i)
  if count(s, i, start) == 0 then
    return 0
  end
  return start + PERIOD[i] - now
end

local function spend(s, permits)
  local nxt = {}
  for i = 1, n do
    local start = windowStart(s, i)
    nxt[2 * i - 1] = start
    nxt[2 * i] = count(s, i, start) + permits
  end
  return nxt
end

local function adjustSpent(s, delta)
  local nxt = {}
  for i = 1, n do
    local start = windowStart(s, i)
    local c = count(s, i, start)
    nxt[2 * i - 1] = start
    if delta > 0 then
      nxt[2 * i] = math.max(c, math.min(PERMITS[i], c + delta))
    else
      nxt[2 * i] = math.max(0, c + delta)
    end
  end
  return nxt
end

local function save(nxt, fullAfter)
  local parts = {string.char(LIMITS_FORMAT)}
  for j = 1, 2 * n do
    parts[j + 1] = struct.pack('<d', nxt[j])
  end
  for i = 1, n do
    parts[2 * n + 1 + i] = struct.pack('<d', PERIOD[i])
  end
  persist(table.concat(parts), fullAfter)
end

-- The stored state as these limits read it: written under other limits, each limit takes over the window and
-- count of the stored limit matched to it (the counts are read with the new period), or starts fresh.
local function load(raw)
  local s = decode(raw, 2 * n)
  if s then
    return s
  end
  local v, m = decodeLimits(raw, 3)
  if not v then
    return nil
  end
  local periods, same = {}, m == n
  for j = 1, m do
    periods[j] = v[2 * m + j]
    if same and periods[j] ~= PERIOD[j] then
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
    if j == 0 then
      s[2 * i - 1] = fdiv(now, PERIOD[i]) * PERIOD[i]
      s[2 * i] = 0
    else
      s[2 * i - 1] = v[2 * j - 1]
      s[2 * i] = v[2 * j]
    end
  end
  keepConverted(s, resetAfter, save)
  return s
end
