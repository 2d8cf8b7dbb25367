import { ENTRY_FIELD, PUBLISHER_FIELD } from './stream-entry.js';

/**
 * Lua scripts that must see a stream and its groups, or a record's owner, at
 * one instant: a bounded append, trimming below what every group has
 * acknowledged, and the ownership register.
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
 * policy, the publisher's tag, then one value per record. Appends the first
 * records that fit under maxLen; with drop-oldest, first deletes as many
 * entries as needed from those no group has been handed yet, and appends the
 * last records, each tagged with its publisher. Returns { how many it
 * appended, values deleted that this publisher appended, how many others it
 * deleted }. A batch sent again (its reply was lost) returns the first
 * answer: appending is exactly once.
 */
export const appendScript = `${lowestNeeded}
local done = redis.call('GET', KEYS[2])
if done then return cjson.decode(done) end
local maxLen = tonumber(ARGV[1])
local dropOldest = ARGV[2] == 'drop-oldest'
local publisher = ARGV[3]
local n = #ARGV - 3
local room = maxLen - redis.call('XLEN', KEYS[1])
local ours, others = {}, 0
if dropOldest and n > room and redis.call('EXISTS', KEYS[1]) == 1 then
  local from = '-'
  for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    local last = info(group)['last-delivered-id']
    if from == '-' or below(from, last) then from = last end
  end
  if from ~= '-' then from = '(' .. from end
  for _, entry in ipairs(redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', n - room)) do
    redis.call('XDEL', KEYS[1], entry[1])
    local fields = info(entry[2])
    if fields['${PUBLISHER_FIELD}'] == publisher then
      ours[#ours + 1] = fields['${ENTRY_FIELD}']
    else
      others = others + 1
    end
  end
  room = room + #ours + others
end
local fit = math.min(n, math.max(room, 0))
-- Dropping the oldest keeps the newest of the batch too.
local first = dropOldest and n - fit + 1 or 1
for i = first, first + fit - 1 do
  if dropOldest then
    redis.call('XADD', KEYS[1], '*', '${ENTRY_FIELD}', ARGV[i + 3], '${PUBLISHER_FIELD}', publisher)
  else
    redis.call('XADD', KEYS[1], '*', '${ENTRY_FIELD}', ARGV[i + 3])
  end
end
local answer = { fit, ours, others }
-- Kept 10 minutes: small (counts, and values only when drop-oldest deleted some of ours).
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

/**
 * The ownership register: per sink, one key per record claimed or recovered
 * after a crash, `claimed:<writer>` when a claimer is about to write it,
 * `final:<writer>` once the recovered copy of `writer` keeps it. Each
 * script decides record by record, so two of them never disagree on one.
 */

/**
 * KEYS: the claimed records' keys. ARGV: the claimer's writer name, the
 * keys' lifetime in ms. A record a recovered copy keeps is not written
 * again (0); any other is now the claimer's (1), registered before it writes.
 */
export const claimOwnersScript = `
local write = {}
for i, key in ipairs(KEYS) do
  local owner = redis.call('GET', key)
  if owner and string.sub(owner, 1, 6) == 'final:' then
    write[i] = 0
  else
    redis.call('SET', key, 'claimed:' .. ARGV[1], 'PX', ARGV[2])
    write[i] = 1
  end
end
return write
`;

/**
 * KEYS: the keys of records a crashed copy holds. ARGV: the copy's writer
 * name (empty when unknown), the keys' lifetime in ms, then per key '1' when
 * the record's entry is still pending (a claim of it may yet come). A record
 * no one else claimed is kept (1), and marked final if a claim may come;
 * one another writer claimed is dropped (0): that writer has it.
 */
export const settleOwnersScript = `
local claimed, final = 'claimed:' .. ARGV[1], 'final:' .. ARGV[1]
local keep = {}
for i, key in ipairs(KEYS) do
  local owner = redis.call('GET', key)
  if not owner or owner == claimed or owner == final then
    keep[i] = 1
    if ARGV[i + 2] == '1' then redis.call('SET', key, final, 'PX', ARGV[2]) end
  else
    keep[i] = 0
  end
end
return keep
`;

/**
 * KEYS: a stream. ARGV: a group, a consumer. Removes the consumer from the
 * group only if nothing is pending for it, checked and removed in one step:
 * an entry handed to it in between would otherwise go with it, never to be
 * claimed. 1 when removed.
 */
export const forgetConsumerScript = `
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/**
 * KEYS: a topic's stream, the dead-letter stream. ARGV: per foreign entry,
 * its id and why it holds no record. Copies each entry still in the stream
 * into the dead-letter stream (its stream, id and reason, then its own
 * fields as they were), acknowledges it for every group and deletes it, in
 * one step: a crash can neither lose it nor copy it twice, and a group that
 * has not read it yet never will. Returns per entry 1 when moved, 0 when it
 * was gone already (another worker moved it).
 */
export const moveAsideScript = `${lowestNeeded}
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
local moved = {}
for i = 1, #ARGV, 2 do
  local id = ARGV[i]
  local entry = redis.call('XRANGE', KEYS[1], id, id)[1]
  if entry then
    local fields = { 'stream', KEYS[1], 'id', id, 'reason', ARGV[i + 1] }
    for _, field in ipairs(entry[2]) do fields[#fields + 1] = field end
    redis.call('XADD', KEYS[2], '*', unpack(fields))
    for _, group in ipairs(groups) do redis.call('XACK', KEYS[1], info(group)['name'], id) end
    redis.call('XDEL', KEYS[1], id)
    moved[#moved + 1] = 1
  else
    moved[#moved + 1] = 0
  end
end
return moved
`;
