import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers, type Message } from '@platformatic/kafka';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp, type TestUser } from '../helpers/harness.ts';
import { openTestDatabase, outboxSettled } from '../helpers/database.ts';
import { kafkaBrokers, kafkaTestOptions } from '../helpers/kafka.ts';

/**
 * Events through a real Apache Kafka 4.4 broker (issue 10, DESIGN 4.8), started from Kafka's own
 * jars (`test/helpers/kafka.ts`). The relay publishes the outbox to one topic per type, and the
 * `user.deleted` consumer applies each event once, parks malformed ones, and resumes from its
 * group's committed offset after a restart. Every run uses fresh topics (a random prefix) and a
 * fresh consumer group.
 */
type Msg = Message<string, string, string, string>;

/** Reads `count` messages of `topics` from the start with a throw-away group. */
async function readTopics(brokers: string, topics: string[], count: number): Promise<Msg[]> {
  const consumer = new Consumer({ clientId: 'test-reader', groupId: `reader-${crypto.randomUUID()}`, bootstrapBrokers: [brokers], deserializers: stringDeserializers, autocommit: false });
  const got: Msg[] = [];
  try {
    // Closed whatever happens (an unknown topic, say): an open client would keep the file running.
    const stream = await consumer.consume({ topics, mode: 'earliest' });
    const deadline = setTimeout(() => void stream.close(), 30_000);
    try {
      for await (const m of stream as AsyncIterable<Msg>) {
        got.push(m);
        if (got.length >= count) break;
      }
    } finally {
      clearTimeout(deadline);
      await stream.close();
    }
  } finally {
    await consumer.close(true);
  }
  return got;
}

describe('events through a real Kafka broker', kafkaTestOptions(), () => {
  let brokers: string;
  const prefix = `t${crypto.randomBytes(4).toString('hex')}.`;
  const userDeletedTopic = `${prefix}user.deleted`;
  const group = `conversation-service-${crypto.randomBytes(4).toString('hex')}`;
  const env = () => ({ KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix, KAFKA_USER_DELETED_TOPIC: userDeletedTopic, KAFKA_CONSUMER_GROUP: group, KAFKA_TOPIC_PARTITIONS: '2' });
  let producer: Producer<string, string, string, string>;

  before(async () => {
    brokers = await kafkaBrokers();
    const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: [brokers] });
    await admin.createTopics({ topics: [userDeletedTopic], partitions: 1, replicas: 1 });
    await admin.close();
    producer = new Producer({ clientId: 'test-auth-service', bootstrapBrokers: [brokers], serializers: stringSerializers });
  });
  after(async () => {
    await producer?.close();
  });

  const userDeleted = (id: string, userId: string) => JSON.stringify({ specversion: '1.0', id, source: '/auth-service', type: 'user.deleted', time: new Date().toISOString(), datacontenttype: 'application/json', data: { userId } });
  const publish = (value: string, key = 'k', headers: Record<string, string> = { 'content-type': 'application/cloudevents+json' }) =>
    producer.send({ messages: [{ topic: userDeletedTopic, key, value, headers }] });
  const count = async (t: TestApp, table: 'processed_events' | 'dead_letters') =>
    ((await t.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as { rows: { n: number }[] }).rows[0].n;

  test('a private session publishes session.started, participant.left and session.ended on their topics, keyed by session, structured, with headers', async () => {
    const t = await createTestApp({ env: env() });
    try {
      const [host, bea] = [await t.user('Kafka Host'), await t.user('Kafka Bea')];
      const post = (u: TestUser, url: string, payload: object = {}) => t.app.inject({ method: 'POST', url, headers: u.headers, payload });
      const session = (await post(host, '/api/sessions', { type: 'private', targetLanguageCode: 'fr' })).json();
      await post(bea, '/api/sessions/join', { inviteCode: session.inviteCode });
      assert.equal((await post(host, `/api/sessions/${session.id}/start`)).statusCode, 200);
      t.clock.advance(60_000);
      assert.equal((await post(bea, `/api/sessions/${session.id}/leave`)).statusCode, 200);
      t.clock.advance(60_000);
      assert.equal((await post(host, `/api/sessions/${session.id}/end`)).statusCode, 200);
      // On a shared PostgreSQL server the outbox hands out nothing past other files' running transactions.
      await outboxSettled(t.database.db);
      await t.runJobs(); // the relay is one of the sweeps

      const types = ['session.started', 'participant.left', 'session.ended'];
      const got = (await readTopics(brokers, types.map((ty) => prefix + ty), 3)).filter((m) => m.key === session.id);
      assert.equal(got.length, 3);
      const events = got.map((m) => ({ m, e: JSON.parse(m.value) })).sort((a, b) => a.e.time.localeCompare(b.e.time));
      assert.deepEqual(events.map(({ e }) => e.type), types, 'in the order they happened');
      for (const { m, e } of events) {
        assert.equal(m.topic, prefix + e.type, 'topic = prefix + type');
        assert.equal(m.key, session.id, 'key = session id');
        assert.equal(m.headers.get('content-type'), 'application/cloudevents+json');
        assert.equal(m.headers.get('ce_id'), e.id);
        assert.equal(e.specversion, '1.0');
        assert.equal(e.source, '/conversation-service');
        assert.equal(e.partitionkey, session.id);
        assert.equal(e.dataschema, `urn:conversation-service:${e.type}:v1`);
      }
      assert.deepEqual(
        { userId: events[1].e.data.userId, reason: events[1].e.data.reason, connected: events[1].e.data.connected },
        { userId: bea.id, reason: 'left', connected: false },
        'Bea joined by code and left without connecting: the leave is published too',
      );
      assert.equal(events[2].e.data.reason, 'host_ended');
      const ready = (await t.app.inject({ method: 'GET', url: '/readyz' })).json();
      assert.equal(ready.outbox.unpublished, 0, 'the relay left nothing behind');
    } finally {
      await t.close();
    }
  });

  test('user.deleted published five times is applied once; a malformed one is parked and the consumer goes on; after a restart it resumes at the committed offset', async () => {
    const database = await openTestDatabase();
    const first = await createTestApp({ env: env(), database });
    try {
      const ana = await first.user('Erased Ana');
      const post = (u: TestUser, url: string, payload: object = {}) => first.app.inject({ method: 'POST', url, headers: u.headers, payload });
      await post(ana, '/api/sessions', { type: 'private', targetLanguageCode: 'fr' });
      const eventId = crypto.randomUUID();
      for (let i = 0; i < 5; i++) await publish(userDeleted(eventId, ana.id), ana.id);
      await publish('{"this is": "not a cloudevent"', 'broken');
      await publish(userDeleted(crypto.randomUUID(), 'someone-else'), 'someone-else');
      const deadline = Date.now() + 30_000;
      while ((await count(first, 'processed_events')) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await count(first, 'processed_events'), 2, 'two distinct events applied, the repeats ignored');
      assert.equal(await count(first, 'dead_letters'), 1, 'the malformed one parked');
      const dead = (await first.app.inject({ method: 'GET', url: '/api/admin/dead-letters', headers: (await first.user('DL Admin', { admin: true })).headers })).json();
      assert.equal(dead.items[0].value, '{"this is": "not a cloudevent"');
      assert.equal(dead.items[0].reason, 'the value is not JSON');
      assert.equal(dead.items[0].topic, userDeletedTopic);
      const history = await post(ana, '/api/sessions', { type: 'private', targetLanguageCode: 'fr' });
      assert.equal(history.statusCode, 201); // the erased user's token still verifies; their old data is gone
      const mine = await first.app.inject({ method: 'GET', url: '/api/sessions/history', headers: ana.headers });
      assert.deepEqual(mine.json().items, []);
      const ready = (await first.app.inject({ method: 'GET', url: '/readyz' })).json();
      assert.equal(ready.inbox.consumer.group, group);
    } finally {
      await first.close();
    }

    // Restarted: only what came after the committed offset is read again.
    const second = await createTestApp({ env: env(), database });
    try {
      let seen = 0;
      const accept = second.services.inbox.accept.bind(second.services.inbox);
      second.services.inbox.accept = async (...args) => {
        seen++;
        return accept(...args);
      };
      await publish(userDeleted(crypto.randomUUID(), 'later-1'), 'later-1');
      await publish(userDeleted(crypto.randomUUID(), 'later-2'), 'later-2');
      const deadline = Date.now() + 30_000;
      while ((await count(second, 'processed_events')) < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await count(second, 'processed_events'), 4);
      assert.equal(seen, 2, 'the restarted consumer read the two new events only');
    } finally {
      await second.close();
      await database.close();
    }
  });
});
