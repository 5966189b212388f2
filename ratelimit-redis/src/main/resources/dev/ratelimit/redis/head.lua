-- ratelimit-redis: shared prologue of every decision script (see README.md, "How a decision runs").
-- KEYS[1]  the key's state
-- ARGV[1]  'A' to acquire ARGV[2] permits (0 = peek, writes nothing), 'J' to adjust by ARGV[2] (signed)
-- ARGV[3]  now in microseconds since the epoch, or '' to read Redis TIME
-- ARGV[4]  milliseconds the key outlives its "back at full allowance" time
-- ARGV[5..] five numbers per limit: permits, period (us), capacity, interval numerator, interval denominator
-- Returns {outcome (0 allowed, 1 denied, 2 exceeds capacity), limit index (0-based), remaining, resetAfter,
-- retryAfter}. Lua numbers are doubles: the Java side checks that every integer formed here stays below 2^53.
local key = KEYS[1]
local op = ARGV[1]
local amount = tonumber(ARGV[2])
local now
if ARGV[3] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[3])
end
local margin = tonumber(ARGV[4])
local n = (#ARGV - 4) / 5
local PERMITS, PERIOD, CAP, NUM, DEN = {}, {}, {}, {}, {}
for i = 1, n do
  local b = 4 + (i - 1) * 5
  PERMITS[i] = tonumber(ARGV[b + 1])
  PERIOD[i] = tonumber(ARGV[b + 2])
  CAP[i] = tonumber(ARGV[b + 3])
  NUM[i] = tonumber(ARGV[b + 4])
  DEN[i] = tonumber(ARGV[b + 5])
end

-- floor(a / b) for integers |a| < 2^53 and 0 < b: the double quotient can be off by one near an integer.
local function fdiv(a, b)
  local q = math.floor(a / b)
  if q * b > a then
    q = q - 1
  elseif (q + 1) * b <= a then
    q = q + 1
  end
  return q
end

local function cdiv(a, b)
  return -fdiv(-a, b)
end

local FORMAT = 1
-- Fixed-width state: a format byte, then doubles (exact for integers below 2^53).
local function decode(raw, width)
  if not raw or #raw ~= 1 + 8 * width or string.byte(raw, 1) ~= FORMAT then
    return nil
  end
  local s, pos = {}, 2
  for j = 1, width do
    s[j], pos = struct.unpack('<d', raw, pos)
  end
  return s
end

local function encode(s)
  local parts = {string.char(FORMAT)}
  for j = 1, #s do
    parts[j + 1] = struct.pack('<d', s[j])
  end
  return table.concat(parts)
end

-- Writes the state, expiring it when it is back at full allowance (fullAfter us from now) plus the margin.
local function persist(value, fullAfter)
  local ttl = math.ceil(fullAfter / 1000) + margin
  if ttl <= 0 then
    redis.call('DEL', key)
  else
    redis.call('SET', key, value, 'PX', ttl)
  end
end
