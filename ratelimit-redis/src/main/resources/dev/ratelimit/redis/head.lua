-- ratelimit-redis: shared prologue of every decision script (see README.md, "How a decision runs").
-- KEYS[1]  the key's state
-- ARGV[1]  'A' to acquire ARGV[2] permits (0 = peek, writes nothing), 'J' to adjust by ARGV[2] (signed), or
--          'B' to decide a batch: ARGV[2] is a space-separated list of permits, decided one by one in that order
--          (see tail.lua; fixed window, sliding window and token bucket only)
-- ARGV[3]  now in microseconds since the epoch, or '' to read Redis TIME
-- ARGV[4]  milliseconds the key outlives its "back at full allowance" time
-- ARGV[5..] five numbers per limit: permits, period (us), capacity, interval numerator, interval denominator
-- Returns (a list of these for 'B') {outcome (0 allowed, 1 denied, 2 exceeds capacity), limit index (0-based), remaining, resetAfter,
-- retryAfter}. Lua numbers are doubles: the Java side checks that every integer formed here stays below 2^53.
local key = KEYS[1]
local op = ARGV[1]
-- Numeric arguments are converted by arithmetic (`x + 0`): the same conversion as tonumber, at half the cost.
local amount = 0
if op ~= 'B' then
  amount = ARGV[2] + 0
end
local now
if ARGV[3] == '' then
  local t = redis.call('TIME')
  now = t[1] * 1000000 + t[2]
else
  now = ARGV[3] + 0
end
local margin = ARGV[4] + 0
local n = (#ARGV - 4) / 5
