-- TOKEN_BUCKET as GCRA (reference: dev.ratelimit.spi.TokenBucket). State: per limit {tat, remainder}, the
-- theoretical arrival time in whole microseconds plus a remainder in 1/denominator microseconds; stored in format 2
-- with each limit's period, permits and capacity after the TATs.
local SATURATED = 4611686018427387904 -- 2^62, as in the reference; only reachable after a long clock step back

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

-- floor(k * x / d) and (k * x) mod d for integers 0 <= k, x, d < 2^53, x < d, without forming k * x (which may
-- exceed 2^53): double-and-add over the bits of k, every intermediate below d.
local function mulDivMod(k, x, d)
  local q, m, p = 0, 0, 4503599627370496 -- 2^52
  while p >= 1 do
    -- m = 2m mod d, q = 2q + carry
    q = q * 2
    if m >= d - m then
      m, q = m - (d - m), q + 1
    else
      m = m * 2
    end
    if k >= p then
      k = k - p
      if m >= d - x then
        m, q = m - (d - x), q + 1
      else
        m = m + x
      end
    end
    p = p / 2
  end
  return q, m
end

-- Penalty (delta > 0) or refund (delta < 0), exactly as the reference TokenBucket.adjustSpent: a penalty on a
-- bucket already empty (or emptier, after the clock stepped back) keeps the stored TAT; a refund moves the stored
-- TAT back by delta x interval, but never before now. Every integer formed stays below 2^53, however far the
-- stored TAT is ahead of now (a debt of a x den may not: it is only compared, never used as a value).
local function adjustSpent(s, delta)
  local nxt = {}
  for i = 1, n do
    local full = CAP[i] * NUM[i]
    local a, r = ahead(s, i)
    local ta, tr = 0, 0 -- the new TAT - now, whole us and remainder
    if delta > 0 then
      local d = debt(s, i)
      if d >= full then
        ta, tr = a, r
      else
        local adjusted = full
        if delta < CAP[i] then
          adjusted = math.min(full, d + delta * NUM[i])
        end
        ta = fdiv(adjusted, DEN[i])
        tr = adjusted - ta * DEN[i]
      end
    else
      -- refund = k x num / den us = k x iq + (k x ir) / den, with num = iq x den + ir
      local k = -delta
      local iq = fdiv(NUM[i], DEN[i])
      local ir = NUM[i] - iq * DEN[i]
      local us = k * iq -- if this rounds, it is above 2^53 > a: a full refund either way
      local rem = 0
      if us <= a then
        local q
        q, rem = mulDivMod(k, ir, DEN[i])
        us = us + q
      end
      if us < a or (us == a and rem < r) then
        ta, tr = a - us, r - rem
        if tr < 0 then
          ta, tr = ta - 1, tr + DEN[i]
        end
      end
    end
    nxt[2 * i - 1] = now + ta
    nxt[2 * i] = tr
  end
  return nxt
end

local function describe(i)
  return struct.pack('<ddd', PERIOD[i], PERMITS[i], CAP[i])
end

local function save(nxt, fullAfter)
  saveLimits(nxt, 2, describe, fullAfter)
end

-- gcd of integers 0 < a, b < 2^53 (fmod is exact on them).
local function gcd(a, b)
  while b > 0 do
    a, b = b, math.fmod(a, b)
  end
  return a
end

-- Limit i takes over a bucket stored under period po, permits qo: it keeps the deficit, the tokens short at now
-- measured at the stored interval, rounded up to limit i's unit and clamped to its capacity (as the reference
-- TokenBucket.carry). Returns the new {tat, remainder}. Every integer formed stays below 2^53: the deficit's
-- whole tokens are found without forming a x denO when that could exceed it.
local function carry(tat, rem, po, qo, i)
  if po <= 0 or qo <= 0 then
    return tat, rem
  end
  if tat < now then
    return now, 0
  end
  local g = gcd(po, qo)
  local numO, denO = po / g, qo / g
  local a = tat - now
  local full = CAP[i] * NUM[i]
  local debt = full
  -- (a x denO + rem) / numO = a x dq + (a x dr) / numO + rem / numO, with denO = dq x numO + dr
  local dq = fdiv(denO, numO)
  local dr = denO - dq * numO
  if a * dq < CAP[i] then
    local q1, m1 = mulDivMod(a, dr, numO)
    local t = m1 + rem
    local q2 = fdiv(t, numO)
    local f = t - q2 * numO
    local q = a * dq + q1 + q2
    if q < CAP[i] then
      -- q whole tokens and f / numO of one, in limit i's unit: q x NUM + ceil(f x NUM / numO)
      local q3, m3 = mulDivMod(NUM[i], f, numO)
      debt = q * NUM[i] + q3
      if m3 > 0 then
        debt = debt + 1
      end
      if debt > full then
        debt = full
      end
    end
  end
  local w = fdiv(debt, DEN[i])
  return now + w, debt - w * DEN[i]
end

-- The stored state as these limits read it: written under other limits, each limit takes over the deficit of
-- the stored limit matched to it (carry), or starts with a full bucket.
local function sameBucket(v, d, i)
  return v[d] == PERIOD[i] and v[d + 1] == PERMITS[i] and v[d + 2] == CAP[i]
end

local function take(s, i, v, j, d)
  if j == 0 then
    s[2 * i - 1], s[2 * i] = now, 0
  else
    s[2 * i - 1], s[2 * i] = carry(v[2 * j - 1], v[2 * j], v[d], v[d + 1], i)
  end
end

local function load(raw)
  return loadLimits(raw, 2, 3, sameBucket, take, resetAfter, save)
end
