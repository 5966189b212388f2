-- SLIDING_WINDOW fast path: one limit, acquire or peek. The same arithmetic as sliding_window.lua + tail.lua
-- with n = 1, written out inline so that the call creates one closure (fdiv, which captures nothing) and no
-- tables but its reply (see README.md).
-- A state written under another limit (or several) is left to the general path, which converts it.
if n == 1 and op == 'A' then
  local fast = true
  local stored, storedPrev, storedCur
  local raw = redis.call('GET', key)
  if raw then
    if #raw == 33 and string.byte(raw, 1) == 2 then
      local p
      stored, storedPrev, storedCur, p = struct.unpack('<dddd', raw, 2)
      fast = p == ARGV[6] + 0
    elseif #raw == 25 and string.byte(raw, 1) == 1 then
      stored, storedPrev, storedCur = struct.unpack('<ddd', raw, 2) -- format 1, of earlier releases
    else
      fast = false
    end
  end
  if fast then
    -- floor(a / b) for integers |a| < 2^53 and 0 < b, as common.lua's fdiv
    local function fdiv(a, b)
      local q = math.floor(a / b)
      if q * b > a then
        q = q - 1
      elseif (q + 1) * b <= a then
        q = q + 1
      end
      return q
    end
    local permits, p, cap = ARGV[5] + 0, ARGV[6] + 0, ARGV[7] + 0
    local st = fdiv(now, p) * p
    local prev, cur = 0, 0
    if stored then
      if stored > st then
        st = stored
      end
      if stored == st then
        prev, cur = storedPrev, storedCur
      elseif stored == st - p then
        prev = storedCur
      end
    end
    -- the previous window's weight, scaled by the period
    local weighted = prev * (p - math.max(0, now - st))
    local remaining = math.max(0, permits - cur + fdiv(-weighted, p))
    local resetAfter = 0
    if cur > 0 then
      resetAfter = st + 2 * p - now
    elseif prev > 0 then
      resetAfter = st + p - now
    end
    if amount > cap then
      return {2, 0, remaining, resetAfter, 0}
    end
    local room = permits - cur - amount
    if not (room >= 0 and weighted <= room * p) then
      local wait
      if room >= 0 then
        wait = st + p - fdiv(room * p, prev) - now
      else
        local elapsed = 0
        if cur ~= 0 then
          elapsed = math.max(0, p - fdiv((permits - amount) * p, cur))
        end
        wait = st + p + elapsed - now
      end
      if wait > 0 then
        return {1, 0, remaining, resetAfter, wait}
      end
    end
    if amount == 0 then
      return {0, 0, remaining, resetAfter, 0}
    end
    cur = cur + amount
    remaining = math.max(0, permits - cur + fdiv(-weighted, p))
    resetAfter = 0
    if cur > 0 then
      resetAfter = st + 2 * p - now
    elseif prev > 0 then
      resetAfter = st + p - now
    end
    local ttl = math.ceil(resetAfter / 1000) + margin
    if ttl <= 0 then
      redis.call('DEL', key)
    else
      redis.call('SET', key, struct.pack('<Bdddd', 2, st, prev, cur, p), 'PX', ttl)
    end
    return {0, 0, remaining, resetAfter, 0}
  end
end
