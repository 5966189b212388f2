-- FIXED_WINDOW fast path: one limit, acquire or peek. The same arithmetic as fixed_window.lua + tail.lua with
-- n = 1, written out inline so that the call creates no closures and no tables but its reply (see README.md).
-- A state written under another limit (or several) is left to the general path, which converts it.
if n == 1 and op == 'A' then
  local fast = true
  local storedStart, storedCount
  local raw = redis.call('GET', key)
  if raw then
    if #raw == 25 and string.byte(raw, 1) == 2 then
      local p
      storedStart, storedCount, p = struct.unpack('<ddd', raw, 2)
      fast = p == ARGV[6] + 0
    elseif #raw == 17 and string.byte(raw, 1) == 1 then
      storedStart, storedCount = struct.unpack('<dd', raw, 2) -- format 1, of earlier releases
    else
      fast = false
    end
  end
  if fast then
    local floor = math.floor
    local permits, period, cap = ARGV[5] + 0, ARGV[6] + 0, ARGV[7] + 0
    -- the current window starts at floor(now / period) * period, with the exact floor of common.lua's fdiv
    local start = floor(now / period)
    if start * period > now then
      start = start - 1
    elseif (start + 1) * period <= now then
      start = start + 1
    end
    start = start * period
    local count = 0
    if storedStart and storedStart >= start then
      start = storedStart
      count = storedCount
    end
    local remaining = permits - count
    if remaining < 0 then
      remaining = 0
    end
    local resetAfter = 0
    if count ~= 0 then
      resetAfter = start + period - now
    end
    if amount > cap then
      return {2, 0, remaining, resetAfter, 0}
    end
    if amount > permits - count then
      local wait = start + period - now
      if wait > 0 then
        return {1, 0, remaining, resetAfter, wait}
      end
    end
    if amount == 0 then
      return {0, 0, remaining, resetAfter, 0}
    end
    count = count + amount
    remaining = permits - count
    if remaining < 0 then
      remaining = 0
    end
    resetAfter = 0
    if count ~= 0 then
      resetAfter = start + period - now
    end
    local ttl = math.ceil(resetAfter / 1000) + margin
    if ttl <= 0 then
      redis.call('DEL', key)
    else
      redis.call('SET', key, struct.pack('<Bddd', 2, start, count, period), 'PX', ttl)
    end
    return {0, 0, remaining, resetAfter, 0}
  end
end
