/**
 * The Lua scripts of `RedisSignalingState` (key layout at the top of `redis-state.ts`): every
 * decision that must be atomic across instances (claiming presence, releasing, evicting, taking
 * drops, orphans, tickets, routing a frame to its owner's instance) is one script.
 * ARGV[1] is always the key prefix.
 */
export const SCRIPTS = {
  /** ARGV: P, sid, uid, owner, view, now, presenceTtl, heartbeatTtl, maxSockets. */
  claim: `
local P, sid, uid, owner, view, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local presenceTtl, heartbeatTtl, maxSockets = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local ended = redis.call('GET', P .. 'signaling:ended:' .. sid)
if ended then return {'ended', ended} end
local userKey = P .. 'signaling:user:' .. uid
local elsewhere = redis.call('HLEN', userKey)
if redis.call('HEXISTS', userKey, sid) == 1 then elsewhere = elsewhere - 1 end
if elsewhere >= maxSockets then return {'cap'} end
local wsKey = P .. 'session:ws:' .. sid
local peersKey = P .. 'session:peers:' .. sid
local previous = redis.call('HGET', wsKey, uid) or ''
redis.call('HSET', wsKey, uid, owner)
redis.call('PEXPIRE', wsKey, presenceTtl)
redis.call('HSET', peersKey, uid, view)
redis.call('PEXPIRE', peersKey, presenceTtl)
redis.call('SET', P .. 'session:heartbeat:' .. sid .. ':' .. uid, now, 'PX', heartbeatTtl)
redis.call('HSET', userKey, sid, owner)
redis.call('PEXPIRE', userKey, presenceTtl)
redis.call('SADD', P .. 'signaling:sessions', sid)
local dropsKey, member = P .. 'signaling:drops', sid .. '\\n' .. uid
local dropped = redis.call('ZSCORE', dropsKey, member) or ''
if dropped ~= '' then redis.call('ZREM', dropsKey, member) end
return {'ok', previous, dropped, redis.call('HGETALL', peersKey)}
`,
  /** ARGV: P, sid, uid, owner, droppedAt. */
  release: `
local P, sid, uid, owner = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local wsKey = P .. 'session:ws:' .. sid
if redis.call('HGET', wsKey, uid) ~= owner then return 0 end
redis.call('HDEL', wsKey, uid)
redis.call('HDEL', P .. 'session:peers:' .. sid, uid)
redis.call('DEL', P .. 'session:heartbeat:' .. sid .. ':' .. uid)
local userKey = P .. 'signaling:user:' .. uid
if redis.call('HGET', userKey, sid) == owner then redis.call('HDEL', userKey, sid) end
redis.call('ZADD', P .. 'signaling:drops', ARGV[5], sid .. '\\n' .. uid)
if redis.call('EXISTS', wsKey) == 0 then redis.call('SREM', P .. 'signaling:sessions', sid) end
return 1
`,
  /** ARGV: P, sid, uid. Returns {owner or '', droppedAt or ''}. */
  evict: `
local P, sid, uid = ARGV[1], ARGV[2], ARGV[3]
local wsKey = P .. 'session:ws:' .. sid
local owner = redis.call('HGET', wsKey, uid) or ''
if owner ~= '' then
  redis.call('HDEL', wsKey, uid)
  redis.call('HDEL', P .. 'session:peers:' .. sid, uid)
  redis.call('DEL', P .. 'session:heartbeat:' .. sid .. ':' .. uid)
  local userKey = P .. 'signaling:user:' .. uid
  if redis.call('HGET', userKey, sid) == owner then redis.call('HDEL', userKey, sid) end
  if redis.call('EXISTS', wsKey) == 0 then redis.call('SREM', P .. 'signaling:sessions', sid) end
end
local dropsKey, member = P .. 'signaling:drops', sid .. '\\n' .. uid
local dropped = redis.call('ZSCORE', dropsKey, member) or ''
if dropped ~= '' then redis.call('ZREM', dropsKey, member) end
return {owner, dropped}
`,
  /** ARGV: P, sid, uid, owner, view. */
  updateView: `
local P, sid, uid, owner = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HGET', P .. 'session:ws:' .. sid, uid) ~= owner then return 0 end
redis.call('HSET', P .. 'session:peers:' .. sid, uid, ARGV[5])
return 1
`,
  /** ARGV: P, presenceTtl, heartbeatTtl, then (sid, uid, owner, at) groups. Returns (group number from 0, why) pairs for the groups no longer owned: why = 1 another connection holds it, 2 the session ended, 0 neither (taken as an orphan). */
  refresh: `
local P, presenceTtl, heartbeatTtl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local lost = {}
for i = 4, #ARGV, 4 do
  local sid, uid, owner, at = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local wsKey = P .. 'session:ws:' .. sid
  local current = redis.call('HGET', wsKey, uid)
  if current == owner then
    redis.call('SET', P .. 'session:heartbeat:' .. sid .. ':' .. uid, at, 'PX', heartbeatTtl)
    redis.call('PEXPIRE', wsKey, presenceTtl)
    redis.call('PEXPIRE', P .. 'session:peers:' .. sid, presenceTtl)
    redis.call('PEXPIRE', P .. 'signaling:user:' .. uid, presenceTtl)
  else
    lost[#lost + 1] = (i - 4) / 4
    local why = 0
    if current then why = 1 elseif redis.call('EXISTS', P .. 'signaling:ended:' .. sid) == 1 then why = 2 end
    lost[#lost + 1] = why
  end
end
return lost
`,
  /** ARGV: P, cutoff. Returns member, score pairs. */
  takeDrops: `
local key = ARGV[1] .. 'signaling:drops'
local due = redis.call('ZRANGEBYSCORE', key, '-inf', ARGV[2], 'WITHSCORES')
for i = 1, #due, 2 do redis.call('ZREM', key, due[i]) end
return due
`,
  /** ARGV: P, instance id, now, alive TTL. Marks the instance alive; its last refresh is kept in `signaling:instances`. */
  refreshInstance: `
local P, id = ARGV[1], ARGV[2]
redis.call('SET', P .. 'signaling:instance:' .. id .. ':alive', ARGV[3], 'PX', tonumber(ARGV[4]))
redis.call('HSET', P .. 'signaling:instances', id, ARGV[3])
return 1
`,
  /** ARGV: P, instance id. A graceful stop: the instance is no longer watched. */
  forgetInstance: `
redis.call('DEL', ARGV[1] .. 'signaling:instance:' .. ARGV[2] .. ':alive')
redis.call('HDEL', ARGV[1] .. 'signaling:instances', ARGV[2])
return 1
`,
  /**
   * ARGV: P, own instance id, now. Returns (sid, uid, droppedAt) triples.
   * An entry of another instance is an orphan when that instance's liveness key expired (the drop
   * is back-dated to its last refresh, issue 13) or, failing that, when the entry's own heartbeat
   * key expired (the drop is dated now). Dead instances are forgotten once their entries are taken.
   */
  claimOrphans: `
local P, self, now = ARGV[1], ARGV[2], ARGV[3]
local out = {}
local instancesKey = P .. 'signaling:instances'
local dead = {}
local known = redis.call('HGETALL', instancesKey)
for i = 1, #known, 2 do
  local id = known[i]
  if id ~= self and redis.call('EXISTS', P .. 'signaling:instance:' .. id .. ':alive') == 0 then
    dead[id] = known[i + 1]
  end
end
local sessionsKey = P .. 'signaling:sessions'
for _, sid in ipairs(redis.call('SMEMBERS', sessionsKey)) do
  local wsKey = P .. 'session:ws:' .. sid
  local entries = redis.call('HGETALL', wsKey)
  for i = 1, #entries, 2 do
    local uid, owner = entries[i], entries[i + 1]
    local inst = string.match(owner, '^(.*):[^:]*$')
    if inst and inst ~= self then
      local at = dead[inst]
      local beat = redis.call('GET', P .. 'session:heartbeat:' .. sid .. ':' .. uid)
      if at then
        -- a socket claimed after the instance's last refresh counts from its claim
        if beat and tonumber(beat) > tonumber(at) then at = beat end
      elseif not beat then
        at = now
      end
      if at then
        redis.call('HDEL', wsKey, uid)
        redis.call('HDEL', P .. 'session:peers:' .. sid, uid)
        redis.call('DEL', P .. 'session:heartbeat:' .. sid .. ':' .. uid)
        local userKey = P .. 'signaling:user:' .. uid
        if redis.call('HGET', userKey, sid) == owner then redis.call('HDEL', userKey, sid) end
        redis.call('ZADD', P .. 'signaling:drops', at, sid .. '\\n' .. uid)
        out[#out + 1] = sid
        out[#out + 1] = uid
        out[#out + 1] = at
      end
    end
  end
  if redis.call('EXISTS', wsKey) == 0 then redis.call('SREM', sessionsKey, sid) end
end
for id, _ in pairs(dead) do redis.call('HDEL', instancesKey, id) end
return out
`,
  /** ARGV: P, sid, reason, endedTtl. */
  endSession: `
local P, sid = ARGV[1], ARGV[2]
redis.call('SET', P .. 'signaling:ended:' .. sid, ARGV[3], 'PX', tonumber(ARGV[4]))
local wsKey = P .. 'session:ws:' .. sid
local entries = redis.call('HGETALL', wsKey)
for i = 1, #entries, 2 do
  local uid, owner = entries[i], entries[i + 1]
  redis.call('DEL', P .. 'session:heartbeat:' .. sid .. ':' .. uid)
  local userKey = P .. 'signaling:user:' .. uid
  if redis.call('HGET', userKey, sid) == owner then redis.call('HDEL', userKey, sid) end
end
redis.call('DEL', wsKey, P .. 'session:peers:' .. sid)
redis.call('SREM', P .. 'signaling:sessions', sid)
local dropsKey, prefix = P .. 'signaling:drops', sid .. '\\n'
for _, m in ipairs(redis.call('ZRANGE', dropsKey, 0, -1)) do
  if string.sub(m, 1, #prefix) == prefix then redis.call('ZREM', dropsKey, m) end
end
return #entries / 2
`,
  /** ARGV: P, sid, self instance, payload. Publishes to every other instance holding the session. */
  broadcast: `
local P, sid, self, payload = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local seen, n = {}, 0
for _, owner in ipairs(redis.call('HVALS', P .. 'session:ws:' .. sid)) do
  local inst = string.match(owner, '^(.*):[^:]*$')
  if inst and inst ~= self and not seen[inst] then
    seen[inst] = true
    n = n + redis.call('PUBLISH', P .. 'signaling:instance:' .. inst, payload)
  end
end
return n
`,
  /** ARGV: P, sid, uid, self instance, payload. Returns the number of receivers (0: nobody). */
  relay: `
local P, sid, uid, self = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local owner = redis.call('HGET', P .. 'session:ws:' .. sid, uid)
if not owner then return 0 end
local inst = string.match(owner, '^(.*):[^:]*$')
if not inst or inst == self then return 0 end
return redis.call('PUBLISH', P .. 'signaling:instance:' .. inst, ARGV[5])
`,
} as const;

/** A script's name (its ioredis command). */
export type ScriptName = keyof typeof SCRIPTS;
/** How ioredis exposes a defined script: prefix first, then the script's arguments. */
export type ScriptCaller = (...args: (string | number)[]) => Promise<unknown>;
