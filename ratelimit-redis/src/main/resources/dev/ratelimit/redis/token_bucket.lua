-- TOKEN_BUCKET as GCRA (reference: dev.ratelimit.spi.TokenBucket). State: per limit {tat, remainder}, the
-- theoretical arrival time in whole microseconds plus a remainder in 1/denominator microseconds.
local SATURATED = 4611686018427387904 -- 2^62, as in the reference; only reachable after a long clock step back

local function load(raw)
  return decode(raw, 2 * n)
end

local function ahead(s, i)
  if s and s[2 * i - 1] >= now then
    return s[2 * i - 1] - now, s[2 * i]
  end
  return 0, 0
end

-- (TAT - now) in 1/denominator microseconds: how far the bucket is from full.
local function debt(s, i)
  local a, r = ahead(s, i)
  if a > SATURATED / DEN[i] then
    return SATURATED
  end
  return a * DEN[i] + r
end

local function allows(s, i, permits)
  return debt(s, i) <= (CAP[i] - permits) * NUM[i]
end

local function available(s, i)
  return math.max(0, fdiv(CAP[i] * NUM[i] - debt(s, i), NUM[i]))
end

local function retryAfter(s, i, permits)
  local a, r = ahead(s, i)
  return a + cdiv(r - (CAP[i] - permits) * NUM[i], DEN[i])
end

local function resetAfter(s, i)
  local a, r = ahead(s, i)
  if r > 0 then
    return a + 1
  end
  return a
end

local function spend(s, permits)
  local nxt = {}
  for i = 1, n do
    local a, r = ahead(s, i)
    local fraction = r + permits * NUM[i]
    local q = fdiv(fraction, DEN[i])
    nxt[2 * i - 1] = now + a + q
    nxt[2 * i] = fraction - q * DEN[i]
  end
  return nxt
end

local function adjustSpent(s, delta)
  local nxt = {}
  for i = 1, n do
    local full = CAP[i] * NUM[i]
    local d = debt(s, i)
    local adjusted
    if delta > 0 then
      adjusted = math.max(d, math.min(full, d + delta * NUM[i]))
    else
      adjusted = math.max(0, d + delta * NUM[i])
    end
    local q = fdiv(adjusted, DEN[i])
    nxt[2 * i - 1] = now + q
    nxt[2 * i] = adjusted - q * DEN[i]
  end
  return nxt
end

local function save(nxt, fullAfter)
  persist(encode(nxt), fullAfter)
end
