-- SLIDING_LOG fast path: one limit, acquire or peek. The same arithmetic as sliding_log.lua + tail.lua with n = 1,
-- written out inline so that the call creates no closures and no tables but its reply (see README.md). With one
-- limit every question is about the same window (now - period, now], so its first record is searched for once.
-- A log whose base would need rebasing (above 2^50 permits) is left to the general path.
if n == 1 and op == 'A' then
  local permits, p, cap = ARGV[5] + 0, ARGV[6] + 0, ARGV[7] + 0
  local unpack, floor = struct.unpack, math.floor
  local raw = redis.call('GET', key)
  local records, base = 0, 0
  if raw and #raw >= 9 and string.byte(raw, 1) == 2 and (#raw - 9) % 16 == 0 then
    records = (#raw - 9) / 16
    base = unpack('<d', raw, 2)
  else
    raw = ''
  end
  -- k: the first record inside the window (time > now - p), records + 1 if none; record j's time is at byte
  -- 10 + (j - 1) * 16, its running total 8 bytes later
  local edge = now - p
  local lo, hi = 1, records + 1
  while lo < hi do
    local mid = floor((lo + hi) / 2)
    if unpack('<d', raw, 10 + (mid - 1) * 16) > edge then
      hi = mid
    else
      lo = mid + 1
    end
  end
  local k = lo
  local before, total, newest = base, base, nil
  if k > 1 then
    before = unpack('<d', raw, 18 + (k - 2) * 16)
  end
  if records > 0 then
    newest, total = unpack('<dd', raw, 10 + (records - 1) * 16)
  end
  local count = total - before
  local remaining = math.max(0, permits - count)
  local resetAfter = 0
  if records > 0 and newest > edge then
    resetAfter = newest + p - now
  end
  if amount > cap then
    return {2, 0, remaining, resetAfter, 0}
  end
  if amount > permits - count then
    -- retryAfter: once the first record j >= k whose running total reaches this leaves the window
    local target = before + (total - before + amount - permits)
    lo, hi = k, records + 1
    while lo < hi do
      local mid = floor((lo + hi) / 2)
      if unpack('<d', raw, 18 + (mid - 1) * 16) >= target then
        hi = mid
      else
        lo = mid + 1
      end
    end
    local wait = unpack('<d', raw, 10 + (lo - 1) * 16) + p - now
    if wait > 0 then
      return {1, 0, remaining, resetAfter, wait}
    end
  end
  if amount == 0 then
    return {0, 0, remaining, resetAfter, 0}
  end
  if before <= 1125899906842624 then -- 2^50, sliding_log.lua's RENORMALIZE
    -- spend: keep the records inside the window and add `amount` at max(now, newest), merged into the newest
    -- record if that has the same time
    local stamp = now
    if records > 0 and newest > now then
      stamp = newest
    end
    local kept = records - k + 1
    if kept > 0 and newest == stamp then
      kept = kept - 1
    end
    local first = 10 + (k - 1) * 16
    local value = struct.pack('<Bd', 2, before) .. string.sub(raw, first, first + kept * 16 - 1)
        .. struct.pack('<dd', stamp, total + amount)
    remaining = math.max(0, permits - (total + amount - before))
    resetAfter = stamp + p - now
    local ttl = math.ceil(resetAfter / 1000) + margin
    if ttl <= 0 then
      redis.call('DEL', key)
    else
      redis.call('SET', key, value, 'PX', ttl)
    end
    return {0, 0, remaining, resetAfter, 0}
  end
end
