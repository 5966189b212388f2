-- ratelimit-redis: shared epilogue; combines the algorithm's per-limit answers exactly as the Java reference
-- (dev.ratelimit.spi.AbstractTransition) does. The algorithm part defines load, allows, available, retryAfter,
-- resetAfter, spend, adjustSpent and save.

-- The decision for `permits` in state s; returns the reply and the state to write (nil: write nothing).
local function decide(s, permits)
  for i = 1, n do
    if permits > CAP[i] then
      return {2, i - 1, available(s, i), resetAfter(s, i), 0}, nil
    end
  end
  local denier, longest = 0, 0
  for i = 1, n do
    if not allows(s, i, permits) then
      local wait = retryAfter(s, i, permits)
      if wait > longest then
        longest = wait
        denier = i
      end
    end
  end
  if denier > 0 then
    local remaining = available(s, 1)
    for i = 2, n do
      local a = available(s, i)
      if a < remaining then
        remaining = a
      end
    end
    return {1, denier - 1, remaining, resetAfter(s, denier), longest}, nil
  end
  local nxt = s
  if permits ~= 0 then
    nxt = spend(s, permits)
  end
  local tightest, remaining, fullAfter = 1, available(nxt, 1), resetAfter(nxt, 1)
  for i = 2, n do
    local a = available(nxt, i)
    if a < remaining then
      remaining = a
      tightest = i
    end
    local r = resetAfter(nxt, i)
    if r > fullAfter then
      fullAfter = r
    end
  end
  local reply = {0, tightest - 1, remaining, resetAfter(nxt, tightest), 0}
  if permits == 0 then
    return reply, nil, 0
  end
  return reply, nxt, fullAfter
end

local s = load(redis.call('GET', key))
if op == 'B' then
  -- Coalesced requests on one key: each is decided on the state the previous ones left, exactly as if they had
  -- come one by one, and the final state is written once. Only for algorithms whose spend returns a fresh state.
  local replies, last, lastFull = {}, nil, 0
  for p in string.gmatch(ARGV[2], '%d+') do
    local reply, nxt, fullAfter = decide(s, p + 0)
    if nxt then
      s, last, lastFull = nxt, nxt, fullAfter
    end
    replies[#replies + 1] = reply
  end
  if last then
    save(last, lastFull)
  end
  return replies
end
if op == 'A' then
  local reply, nxt, fullAfter = decide(s, amount)
  if nxt then
    save(nxt, fullAfter)
  end
  return reply
end
local nxt = adjustSpent(s, amount)
local fullAfter = 0
for i = 1, n do
  local r = resetAfter(nxt, i)
  if r > fullAfter then
    fullAfter = r
  end
end
save(nxt, fullAfter)
return (decide(nxt, 0))
