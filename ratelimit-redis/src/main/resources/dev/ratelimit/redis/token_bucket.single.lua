-- TOKEN_BUCKET fast path: one limit, acquire or peek. The same arithmetic as token_bucket.lua + tail.lua with
-- n = 1, written out inline so that the call creates no closures and no tables but its reply (see README.md).
-- A state written under another limit (or several) is left to the general path, which converts it.
if n == 1 and op == 'A' then
  local fast = true
  local a, r = 0, 0 -- how far the stored TAT is ahead of now: whole us, remainder in 1/den us
  local raw = redis.call('GET', key)
  if raw then
    local tat, rem
    if #raw == 41 and string.byte(raw, 1) == 2 then
      local p, q, c
      tat, rem, p, q, c = struct.unpack('<ddddd', raw, 2)
      fast = p == ARGV[6] + 0 and q == ARGV[5] + 0 and c == ARGV[7] + 0
    elseif #raw == 17 and string.byte(raw, 1) == 1 then
      tat, rem = struct.unpack('<dd', raw, 2) -- format 1, of earlier releases: read as written under this limit
    else
      fast = false
    end
    if fast and tat >= now then
      a, r = tat - now, rem
    end
  end
  if fast then
    local floor = math.floor
    local cap, num, den = ARGV[7] + 0, ARGV[8] + 0, ARGV[9] + 0
    local debt = 4611686018427387904 -- SATURATED, 2^62
    if a <= debt / den then
      debt = a * den + r
    end
    -- remaining = max(0, floor((cap * num - debt) / num)), with the exact floor of common.lua's fdiv
    local x = cap * num - debt
    local remaining = floor(x / num)
    if remaining * num > x then
      remaining = remaining - 1
    elseif (remaining + 1) * num <= x then
      remaining = remaining + 1
    end
    if remaining < 0 then
      remaining = 0
    end
    local resetAfter = a
    if r > 0 then
      resetAfter = a + 1
    end
    if amount > cap then
      return {2, 0, remaining, resetAfter, 0}
    end
    local room = (cap - amount) * num
    if debt > room then
      -- retryAfter = a + ceil((r - room) / den)
      x = room - r
      local q = floor(x / den)
      if q * den > x then
        q = q - 1
      elseif (q + 1) * den <= x then
        q = q + 1
      end
      local wait = a - q
      if wait > 0 then
        return {1, 0, remaining, resetAfter, wait}
      end
    end
    if amount == 0 then
      return {0, 0, remaining, resetAfter, 0}
    end
    -- spend: the TAT moves on by amount * num / den us
    x = r + amount * num
    local q = floor(x / den)
    if q * den > x then
      q = q - 1
    elseif (q + 1) * den <= x then
      q = q + 1
    end
    a, r = a + q, x - q * den
    debt = 4611686018427387904
    if a <= debt / den then
      debt = a * den + r
    end
    x = cap * num - debt
    remaining = floor(x / num)
    if remaining * num > x then
      remaining = remaining - 1
    elseif (remaining + 1) * num <= x then
      remaining = remaining + 1
    end
    if remaining < 0 then
      remaining = 0
    end
    resetAfter = a
    if r > 0 then
      resetAfter = a + 1
    end
    local ttl = math.ceil(resetAfter / 1000) + margin
    if ttl <= 0 then
      redis.call('DEL', key)
    else
      redis.call('SET', key, struct.pack('<Bddddd', 2, now + a, r, ARGV[6] + 0, ARGV[5] + 0, cap), 'PX', ttl)
    end
    return {0, 0, remaining, resetAfter, 0}
  end
end
