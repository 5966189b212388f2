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

local function save(nxt, fullAfter)
  persist(encode(nxt), fullAfter)
end
