-- ratelimit-redis: several keys' calls in one evaluation (see README.md, "Coalescing"). DecisionScript wraps the
-- whole one-key script (head.lua ... tail.lua) as the function `one(KEYS, ARGV)` above this epilogue; this part
-- runs it once per key, in order, exactly as the same calls sent one by one would run.
-- KEYS[i]  the i-th call's key (in a cluster, all of one slot)
-- ARGV     per key: the one-key script's op, amount (or permits) and time, then a count m and m more arguments:
--          the margin and the limits (ARGV[4..] of the one-key script); m = 0 means the same as the previous key's
--          (calls of one limiter share them, so they are sent and converted once)
-- Returns a list with one element per key: that call's reply (as the one-key script's), or, when the call raised
-- an error (e.g. WRONGTYPE, OOM), the error message as a string, so one key's error fails only its own call.
-- With server time, TIME is read once for the whole evaluation: every call in it is decided at that instant.
local out, kt, a, pos, now = {}, {}, nil, 1, nil
for k = 1, #KEYS do
  local m = ARGV[pos + 3] + 0
  if m > 0 then
    a = {}
    for j = 1, m do
      a[3 + j] = ARGV[pos + 3 + j]
    end
  end
  -- the one-key script only reads its arguments, so a limiter's table is reused from key to key
  a[1], a[2], a[3] = ARGV[pos], ARGV[pos + 1], ARGV[pos + 2]
  pos = pos + 4 + m
  if a[3] == '' then
    if not now then
      local t = redis.call('TIME')
      now = t[1] * 1000000 + t[2]
    end
    a[3] = now
  end
  kt[1] = KEYS[k]
  local ok, reply = pcall(one, kt, a)
  if ok then
    out[k] = reply
  elseif type(reply) == 'table' and reply.err then
    out[k] = tostring(reply.err)
  else
    out[k] = tostring(reply)
  end
end
return out
