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
  saveLimits(nxt, 2, periodOf, fullAfter)
end

-- The stored state as these limits read it: written under other limits, each limit takes over the window and
-- count of the stored limit matched to it (the counts are read with the new period), or starts fresh.
local take = windowTake(2)

local function load(raw)
  return loadLimits(raw, 2, 1, samePeriod, take, resetAfter, save)
end
