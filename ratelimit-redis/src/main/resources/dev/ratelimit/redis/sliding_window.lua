-- SLIDING_WINDOW (reference: dev.ratelimit.spi.SlidingWindow). State: per limit {windowStart, previous, current};
-- stored in format 2 with each limit's period after the counts.

local function start(s, i)
  local p = PERIOD[i]
  local current = fdiv(now, p) * p
  if s and s[3 * i - 2] > current then
    return s[3 * i - 2]
  end
  return current
end

local function previous(s, i, st)
  if not s then
    return 0
  end
  local stored = s[3 * i - 2]
  if stored == st then
    return s[3 * i - 1]
  end
  if stored == st - PERIOD[i] then
    return s[3 * i]
  end
  return 0
end

local function current(s, i, st)
  if s and s[3 * i - 2] == st then
    return s[3 * i]
  end
  return 0
end

-- previous * (period - elapsed): the previous window's weight, scaled by the period (below 2^53, checked in Java).
local function weightedPrevious(prev, p, st)
  return prev * (p - math.max(0, now - st))
end

local function allows(s, i, permits)
  local p = PERIOD[i]
  local st = start(s, i)
  local room = PERMITS[i] - current(s, i, st) - permits
  return room >= 0 and weightedPrevious(previous(s, i, st), p, st) <= room * p
end

local function available(s, i)
  local p = PERIOD[i]
  local st = start(s, i)
  local used = cdiv(weightedPrevious(previous(s, i, st), p, st), p)
  return math.max(0, PERMITS[i] - current(s, i, st) - used)
end

local function retryAfter(s, i, permits)
  local p = PERIOD[i]
  local st = start(s, i)
  local prev = previous(s, i, st)
  local cur = current(s, i, st)
  local room = PERMITS[i] - cur - permits
  if room >= 0 then
    return st + p - fdiv(room * p, prev) - now
  end
  local nextRoom = PERMITS[i] - permits
  local elapsed = 0
  if cur ~= 0 then
    elapsed = math.max(0, p - fdiv(nextRoom * p, cur))
  end
  return st + p + elapsed - now
end

local function resetAfter(s, i)
  local p = PERIOD[i]
  local st = start(s, i)
  if current(s, i, st) > 0 then
    return st + 2 * p - now
  end
  if previous(s, i, st) > 0 then
    return st + p - now
  end
  return 0
end

local function spend(s, permits)
  local nxt = {}
  for i = 1, n do
    local st = start(s, i)
    nxt[3 * i - 2] = st
    nxt[3 * i - 1] = previous(s, i, st)
    nxt[3 * i] = current(s, i, st) + permits
  end
  return nxt
end

local function adjustSpent(s, delta)
  local nxt = {}
  for i = 1, n do
    local st = start(s, i)
    local cur = current(s, i, st)
    nxt[3 * i - 2] = st
    nxt[3 * i - 1] = previous(s, i, st)
    if delta > 0 then
      nxt[3 * i] = math.max(cur, math.min(PERMITS[i], cur + delta))
    else
      nxt[3 * i] = math.max(0, cur + delta)
    end
  end
  return nxt
end

local function save(nxt, fullAfter)
  saveLimits(nxt, 3, periodOf, fullAfter)
end

-- The stored state as these limits read it: written under other limits, each limit takes over the window and
-- counts of the stored limit matched to it (read with the new period), or starts fresh.
local take = windowTake(3)

local function load(raw)
  return loadLimits(raw, 3, 1, samePeriod, take, resetAfter, save)
end
