import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import type { Executor } from '../../src/db/client.ts';
import { rowsOf } from '../../src/db/locks.ts';
import { createMatchedSession, createTestApp, type TestApp, type TestUser } from '../helpers/harness.ts';
import { outboxSettled } from '../helpers/database.ts';
import { TestSocket } from '../helpers/ws-client.ts';
import { alive } from '../signaling/support.ts';

/**
 * `user.deleted` (seed 000 §6.3, GDPR article 17; issue 10): one transaction erases the user from
 * every module, once per event id; a schema-wide scan then finds the id in no row of any table;
 * the others' history stays, without the user; the user's sockets close 4403 `USER_DELETED`.
 * Delivered here through `POST /api/internal/events` (the Kafka path is in kafka.test.ts).
 */
const TOKEN = 'internal-events-token-of-at-least-32-characters';

/** Every (table, column) of the public schema that holds text (arrays of it too), and how many rows of each mention `needle`. */
async function rowsMentioning(db: Executor, needle: string): Promise<{ table: string; column: string; rows: number }[]> {
  const columns = rowsOf<{ table_name: string; column_name: string }>(
    await db.execute(sql`select table_name, column_name from information_schema.columns
      where table_schema = 'public' and data_type in ('text', 'character varying', 'jsonb', 'json', 'character', 'ARRAY')`),
  );
  assert.ok(columns.length > 20, 'the scan sees the schema');
  const out: { table: string; column: string; rows: number }[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    const [row] = rowsOf<{ n: number }>(await db.execute(sql.raw(`select count(*)::int as n from "${table}" where position('${needle}' in "${column}"::text) > 0`)));
    if (row.n > 0) out.push({ table, column, rows: row.n });
  }
  return out;
}

const deleted = (id: string, userId: string) => ({ specversion: '1.0', id, source: '/auth-service', type: 'user.deleted', data: { userId } });

describe('erasure on user.deleted', () => {
  test('leaves no row naming the user, keeps the others\' history, closes the user\'s sockets with 4403, once per event id', async () => {
    const t: TestApp = await createTestApp({ env: { INTERNAL_EVENTS_TOKEN: TOKEN, INVITE_CODE_FAILURES_PER_USER: '3', INVITE_CODE_FAILURES_GLOBAL_PER_HOUR: '100' } });
    try {
      const base = await t.listen();
      const zoeId = `zoe-${crypto.randomBytes(6).toString('hex')}`;
      const zoe: TestUser = await t.user('Zoe Erased', { id: zoeId, admin: true });
      const post = (u: TestUser, url: string, payload: object = {}) => t.app.inject({ method: 'POST', url, headers: u.headers, payload });

      // A slot session of others, which must stay as it is.
      const slot = await createMatchedSession(t, ['Yan Stays', 'Xia Stays']);
      const [yan] = slot.users;
      const matchedId = slot.sessionIds.get(yan.id)!;
      // Zoe created a slot as an admin, and registered to another slot (matched later).
      const later = await post(zoe, '/api/slots', { targetLanguageCode: 'fr', level: 'A2', startTime: new Date(t.clock.now().getTime() + 3_600_000).toISOString(), durationMinutes: 15 });
      assert.equal(later.statusCode, 201);
      // (with an Idempotency-Key: the stored answer holds Zoe's registration)
      const registered = await t.app.inject({ method: 'POST', url: `/api/slots/${later.json().id}/registrations`, headers: { ...zoe.headers, 'idempotency-key': 'zoe-retry-1' } });
      assert.equal(registered.statusCode, 201);
      // A live private session Zoe hosts, with Yan in it, and Zoe connected.
      const priv = (await post(zoe, '/api/sessions', { type: 'private', targetLanguageCode: 'fr' })).json();
      assert.equal((await post(yan, '/api/sessions/join', { inviteCode: priv.inviteCode })).statusCode, 201);
      const zoeSocket = await TestSocket.open(base, zoe.token, priv.id);
      await zoeSocket.next('participant-list');
      const yanSocket = await TestSocket.open(base, yan.token, priv.id);
      await yanSocket.next('participant-list');
      await zoeSocket.next('participant-joined');
      assert.equal((await post(zoe, `/api/sessions/${priv.id}/start`)).statusCode, 200);
      // An ended session of Yan's that Zoe joined and rated.
      const ended = (await post(yan, '/api/sessions', { type: 'private', targetLanguageCode: 'de' })).json();
      assert.equal((await post(zoe, '/api/sessions/join', { inviteCode: ended.inviteCode })).statusCode, 201);
      await post(yan, `/api/sessions/${ended.id}/start`);
      await post(yan, `/api/sessions/${ended.id}/end`);
      assert.equal((await post(zoe, `/api/sessions/${ended.id}/rating`, { rating: 5, comment: 'great' })).statusCode, 201);
      // Wrong invite codes until the limit, and a signaling ticket.
      for (let i = 0; i < 3; i++) assert.equal((await post(zoe, '/api/sessions/join', { inviteCode: 'ZZZZZZ' })).statusCode, 404);
      assert.equal((await post(zoe, '/api/sessions/join', { inviteCode: 'ZZZZZZ' })).statusCode, 429);
      const ticket = (await post(zoe, '/api/signaling/tickets', { sessionId: priv.id })).json().ticket as string;
      await t.services.signaling.idle();
      await outboxSettled(t.database.db);
      assert.ok((await rowsMentioning(t.database.db, zoeId)).length > 5, 'before: the user is all over the schema');

      // Auth of the internal endpoint.
      const deliver = (body: object, token = TOKEN) =>
        t.app.inject({ method: 'POST', url: '/api/internal/events', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/cloudevents+json' }, payload: JSON.stringify(body) });
      const eventId = crypto.randomUUID();
      assert.equal((await deliver(deleted(eventId, zoeId), 'wrong-token-wrong-token-wrong-token')).statusCode, 401);
      assert.equal((await t.app.inject({ method: 'POST', url: '/api/internal/events', payload: deleted(eventId, zoeId) })).statusCode, 401);
      assert.equal((await deliver({ specversion: '1.0', id: 'x', source: '/a', type: 'user.renamed', data: {} })).statusCode, 400, 'unknown type: parked');

      const first = await deliver(deleted(eventId, zoeId));
      assert.equal(first.statusCode, 200, first.body);
      assert.deepEqual(first.json(), { status: 'processed', eventId });

      assert.deepEqual(await zoeSocket.closed, { code: 4403, reason: 'USER_DELETED' });
      assert.deepEqual(await yanSocket.next('participant-left'), { type: 'participant-left', userId: zoeId, reason: 'left' });
      await t.services.signaling.idle();
      assert.deepEqual(await rowsMentioning(t.database.db, zoeId), [], 'after: no row of any table holds the user id');

      // The others keep their history, without Zoe.
      const yanHistory = (await t.app.inject({ method: 'GET', url: '/api/sessions/history', headers: yan.headers })).json();
      assert.ok(yanHistory.items.some((h: { id: string }) => h.id === ended.id));
      const privNow = (await t.app.inject({ method: 'GET', url: `/api/sessions/${priv.id}`, headers: yan.headers })).json();
      assert.equal(privNow.hostUserId, yan.id, 'the live session Zoe hosted handed over to Yan');
      assert.deepEqual(privNow.participants.map((p: { userId: string }) => p.userId), [yan.id]);
      assert.equal((await t.app.inject({ method: 'GET', url: `/api/sessions/${matchedId}`, headers: yan.headers })).statusCode, 200);
      await outboxSettled(t.database.db);
      const admin = await t.user('Audit Admin', { admin: true });
      const events = (await t.app.inject({ method: 'GET', url: '/api/admin/events?limit=500', headers: admin.headers })).json().items as { type: string; data: { participants?: { userId: string }[] } }[];
      const endedEvent = events.find((e) => e.type === 'session.ended' && (e.data as { sessionId: string }).sessionId === ended.id)!;
      assert.deepEqual(endedEvent.data.participants!.map((p) => p.userId), [yan.id], 'session.ended keeps Yan, without Zoe');

      // Her ticket and her invite-code failures are gone with her.
      const refused = await TestSocket.open(base, ticket, priv.id);
      assert.deepEqual(await refused.closed, { code: 4401, reason: 'INVALID_TICKET' });
      assert.equal((await post(zoe, '/api/sessions/join', { inviteCode: 'ZZZZZZ' })).statusCode, 404, 'counted afresh');

      // Once per event id: the same event again changes nothing.
      const again = await deliver(deleted(eventId, zoeId));
      assert.deepEqual(again.json(), { status: 'duplicate', eventId });
      await alive(yanSocket);
      await yanSocket.close();
    } finally {
      await t.close();
    }
  });

  test('a matched learner\'s registration.matched goes; the others of the session keep theirs (grouped outbox rows)', async () => {
    const t: TestApp = await createTestApp({ env: { INTERNAL_EVENTS_TOKEN: TOKEN } });
    try {
      const slot = await createMatchedSession(t, ['Zed Erased', 'Amy Stays', 'Bo Stays']);
      const [zed, amy, bo] = slot.users;
      const admin = await t.user('Matched Audit', { admin: true });
      const matched = async () => {
        await outboxSettled(t.database.db);
        const items = (await t.app.inject({ method: 'GET', url: '/api/admin/events?limit=500', headers: admin.headers })).json().items as { id: string; type: string; partitionkey: string }[];
        return items.filter((e) => e.type === 'registration.matched' && slot.users.some((u) => u.id === e.partitionkey));
      };
      const before = await matched();
      assert.deepEqual(before.map((e) => e.partitionkey).sort(), [zed.id, amy.id, bo.id].sort());
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/internal/events',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/cloudevents+json' },
        payload: JSON.stringify(deleted(crypto.randomUUID(), zed.id)),
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(await matched(), before.filter((e) => e.partitionkey !== zed.id), 'Amy and Bo keep theirs, same ids');
      assert.deepEqual(await rowsMentioning(t.database.db, zed.id), [], 'no row of any table holds the user id');
    } finally {
      await t.close();
    }
  });

  test('without INTERNAL_EVENTS_TOKEN the internal endpoint does not exist', async () => {
    const t = await createTestApp();
    try {
      const res = await t.app.inject({ method: 'POST', url: '/api/internal/events', headers: { authorization: `Bearer ${TOKEN}` }, payload: deleted('e', 'u') });
      assert.equal(res.statusCode, 404);
    } finally {
      await t.close();
    }
  });
});
