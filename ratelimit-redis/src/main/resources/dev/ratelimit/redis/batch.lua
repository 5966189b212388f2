-- ratelimit-redis: several keys' calls in one evaluation (see README.md, "Coalescing"). DecisionScript wraps the
-- whole one-key script (head.lua ... tail.lua) as the function `one(KEYS, ARGV)` above this epilogue; this part
-- runs it once per key, in order, exactly as the same calls sent one by one would run.
-- KEYS[i]  the i-th call's key (in a cluster, all of one slot)
-- ARGV     per key: the count c of its arguments, then the c arguments of the one-key script (op, amount or
--          permits, time, margin, limits)
-- Returns a list with one element per key: that call's reply (as the one-key script's), or, when the call raised
-- an error (e.g. WRONGTYPE, OOM), the error message as a string, so one key's error fails only its own call.
-- With server time, TIME is read once for the whole evaluation: every call in it is decided at that instant.
local out, kt, pos, now = {}, {}, 1, nil
for k = 1, #KEYS do
  local c = ARGV[pos] + 0
  local a = {}
  for j = 1, c do
    a[j] = ARGV[pos + j]
  end
  pos = pos + c + 1
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
