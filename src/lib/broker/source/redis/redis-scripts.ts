import { ENTRY_FIELD } from './stream-entry.js';

/**
 * Lua scripts that must see a stream and its groups at one instant: a
 * bounded append, and trimming below what every group has acknowledged.
 */

/** The lowest entry id at or after which some group still needs entries. */
const lowestNeeded = `
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function below(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
local function info(group)
  local fields = {}
  for i = 1, #group, 2 do fields[group[i]] = group[i + 1] end
  return fields
end
`;

/**
 * KEYS: the stream, a once-key for this batch. ARGV: maxLen, the overflow
 * policy, then one value per record. Appends the first records that fit
 * under maxLen; with drop-oldest, first deletes as many entries as needed
 * from those no group has been handed yet, and appends the last records. Returns { how many it appended, values deleted }. A
 * batch sent again (its reply was lost) returns the first answer: appending
 * is exactly once.
 */
export const appendScript = `${lowestNeeded}
local done = redis.call('GET', KEYS[2])
if done then return cjson.decode(done) end
local maxLen = tonumber(ARGV[1])
local n = #ARGV - 2
local room = maxLen - redis.call('XLEN', KEYS[1])
local evicted = {}
if ARGV[2] == 'drop-oldest' and n > room and redis.call('EXISTS', KEYS[1]) == 1 then
  local from = '-'
  for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    local last = info(group)['last-delivered-id']
    if from == '-' or below(from, last) then from = last end
  end
  if from ~= '-' then from = '(' .. from end
  for _, entry in ipairs(redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', n - room)) do
    redis.call('XDEL', KEYS[1], entry[1])
    evicted[#evicted + 1] = entry[2][2]
  end
  room = room + #evicted
end
local fit = math.min(n, math.max(room, 0))
-- Dropping the oldest keeps the newest of the batch too.
local first = ARGV[2] == 'drop-oldest' and n - fit + 1 or 1
for i = first, first + fit - 1 do
  redis.call('XADD', KEYS[1], '*', '${ENTRY_FIELD}', ARGV[i + 2])
end
local answer = { fit, evicted }
-- Kept 10 minutes: small (a count, and values only when drop-oldest deleted some).
redis.call('SET', KEYS[2], cjson.encode(answer), 'PX', 600000)
return answer
`;

/**
 * KEYS: the stream. Deletes the entries every group has acknowledged: those
 * below the lowest id still pending in some group, or not yet handed to it.
 * Returns how many it deleted.
 */
export const trimScript = `${lowestNeeded}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local lowest = nil
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name = info(group)['name']
  local pending = redis.call('XPENDING', KEYS[1], name)
  local needed
  if pending[1] > 0 then
    needed = pending[2]
  else
    local ms, seq = string.match(info(group)['last-delivered-id'], '^(%d+)-(%d+)$')
    needed = ms .. '-' .. (tonumber(seq) + 1)
  end
  if lowest == nil or below(needed, lowest) then lowest = needed end
end
if lowest == nil then return 0 end
return redis.call('XTRIM', KEYS[1], 'MINID', lowest)
`;
