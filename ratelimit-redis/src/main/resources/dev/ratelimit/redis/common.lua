-- ratelimit-redis: the general path's prologue, after head.lua and the algorithm's single-limit fast path
-- (see README.md, "How a decision runs"): the limits as tables and the helpers every algorithm part uses.
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
