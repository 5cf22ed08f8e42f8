import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CloudEvent as SdkCloudEvent } from 'cloudevents';
import { Value } from 'typebox/value';
import type { CloudEvent } from '../../src/modules/outbox/cloud-event.ts';
import { registrationMatched } from '../../src/modules/registrations/registrations.events.ts';
import { createTestApp, type TestApp, type TestUser } from '../helpers/harness.ts';
import { openTestDatabase, outboxSettled, postgresServerUrl } from '../helpers/database.ts';

/**
 * Every event goes through the outbox in the transaction of its state change (issue 10, DESIGN
 * 4.8), including the registration events the notification-service sends from (seed 000 §3.1):
 * created, cancelled, matched (with the session), unmatched, and the reminder 5 minutes before the
 * slot, exactly once per registration, across two instances and a restart. Each envelope passes
 * the CloudEvents JSON schema (the official `cloudevents` SDK's validator) and each `data` its
 * module's declared schema.
 */
async function allEvents(t: TestApp): Promise<CloudEvent<Record<string, unknown>>[]> {
  await outboxSettled(t.database.db);
  const admin = await t.user('Outbox Reader', { admin: true });
  const out: CloudEvent<Record<string, unknown>>[] = [];
  for (let cursor = ''; ; ) {
    const page = (await t.app.inject({ method: 'GET', url: `/api/admin/events?limit=500${cursor ? `&after=${cursor}` : ''}`, headers: admin.headers })).json();
    out.push(...page.items);
    if (page.items.length < 500) return out;
    cursor = page.nextCursor;
  }
}

async function slot(t: TestApp, admin: TestUser, startInMs: number, extra: object = {}): Promise<{ id: string; startTime: Date }> {
  const startTime = new Date(t.clock.now().getTime() + startInMs);
  const res = await t.app.inject({ method: 'POST', url: '/api/slots', headers: admin.headers, payload: { targetLanguageCode: 'fr', level: 'B1', startTime: startTime.toISOString(), durationMinutes: 30, ...extra } });
  assert.equal(res.statusCode, 201, res.body);
  return { id: res.json().id, startTime };
}

describe('registration events', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  test('created, cancelled, matched, unmatched and one reminder, each a valid CloudEvent keyed by the user', async () => {
    const admin = await t.user('Events Admin', { admin: true });
    const [ana, ben, cyd] = [await t.user('Reg Ana'), await t.user('Reg Ben'), await t.user('Reg Cyd')];
    const s = await slot(t, admin, 60 * 60_000);
    const lonely = await slot(t, admin, 60 * 60_000, { level: 'C2' });
    const register = (u: TestUser, slotId: string) => t.app.inject({ method: 'POST', url: `/api/slots/${slotId}/registrations`, headers: u.headers });
    const first = (await register(ana, s.id)).json();
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/registrations/${first.id}`, headers: ana.headers })).statusCode, 200);
    const again = (await register(ana, s.id)).json();
    const benReg = (await register(ben, s.id)).json();
    const cydReg = (await register(cyd, lonely.id)).json();

    t.clock.set(s.startTime.getTime() - t.config.rules.registrationCutoffMs); // registration closes: matchmaking, then the reminders
    await t.runJobs();
    await t.runJobs(); // a second round: no reminder twice
    const events = await allEvents(t);
    const of = (type: string) => events.filter((e) => e.type === type && [ana.id, ben.id, cyd.id].includes(String(e.data.userId)));

    assert.deepEqual(of('registration.created').map((e) => e.subject).sort(), [first.id, again.id, benReg.id, cydReg.id].sort());
    const cancelled = of('registration.cancelled');
    assert.deepEqual(cancelled.map((e) => [e.subject, e.data.reason]), [[first.id, 'user_cancelled']]);
    const matched = of('registration.matched');
    assert.deepEqual(matched.map((e) => e.subject).sort(), [again.id, benReg.id].sort());
    const sessionId = (await t.app.inject({ method: 'GET', url: `/api/registrations/${again.id}`, headers: ana.headers })).json().sessionId;
    for (const e of matched) {
      assert.equal(e.data.sessionId, sessionId);
      assert.equal(e.data.joinOpensAt, new Date(s.startTime.getTime() - t.config.rules.joinWindowMs).toISOString());
      // Matchmaking builds these in SQL (issue 14); they must be what the module's builder makes.
      const reg = e.subject === again.id ? { id: again.id, userId: ana.id } : { id: benReg.id, userId: ben.id };
      const slotFacts = { startTime: s.startTime, durationMinutes: 30, targetLanguageCode: 'fr', level: 'B1' };
      const expected = registrationMatched({ ...reg, timeSlotId: s.id, slot: slotFacts }, sessionId, t.config.rules.joinWindowMs, t.clock.now());
      assert.deepEqual(e.data, expected.data);
      assert.deepEqual([e.partitionkey, e.subject, e.source, e.time], [expected.key, expected.subject, '/conversation-service', t.clock.now().toISOString()]);
    }
    assert.deepEqual(of('registration.unmatched').map((e) => [e.subject, e.data.reason]), [[cydReg.id, 'NOT_ENOUGH_PARTICIPANTS']]);
    const reminders = of('registration.reminder');
    assert.deepEqual(reminders.map((e) => e.subject).sort(), [again.id, benReg.id].sort(), 'one reminder each, for the matched registrations only');
    assert.deepEqual((reminders[0].data.slot as { startTime: string }).startTime, s.startTime.toISOString());

    const definitions = new Map(t.services.modules.flatMap((m) => m.events ?? []).map((d) => [d.type, d]));
    for (const e of events) {
      assert.doesNotThrow(() => new SdkCloudEvent(e as unknown as Record<string, unknown>, true), `${e.type} passes the CloudEvents JSON schema`);
      assert.equal(e.dataschema, `urn:conversation-service:${e.type}:v1`);
      const definition = definitions.get(e.type);
      assert.ok(definition, `${e.type} is declared by a module`);
      assert.ok(Value.Check(definition.data, e.data), `${e.type}'s data matches its schema: ${JSON.stringify([...Value.Errors(definition.data, e.data)].slice(0, 2))}`);
      assert.equal(e.partitionkey, String(e.data[definition.keyField]), `${e.type} is keyed by ${definition.key}`);
      assert.equal(e.subject, String(e.data[definition.subjectField]));
    }
  });

  test('a failure between the registration and its event leaves neither', async () => {
    const admin = await t.user('Atomic Admin', { admin: true });
    const dan = await t.user('Atomic Dan');
    const s = await slot(t, admin, 2 * 60 * 60_000);
    const recordMany = t.services.outbox.recordMany;
    t.services.outbox.recordMany = async () => {
      throw new Error('outbox unavailable');
    };
    try {
      assert.equal((await t.app.inject({ method: 'POST', url: `/api/slots/${s.id}/registrations`, headers: dan.headers })).statusCode, 500);
    } finally {
      t.services.outbox.recordMany = recordMany;
    }
    assert.deepEqual((await t.app.inject({ method: 'GET', url: '/api/registrations', headers: dan.headers })).json().items, [], 'no registration');
    assert.equal((await allEvents(t)).filter((e) => e.data.userId === dan.id).length, 0, 'no event');
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/slots/${s.id}/registrations`, headers: dan.headers })).statusCode, 201, 'and it can be done again');
  });
});

describe('registration reminders across instances and a restart (PostgreSQL)', () => {
  test('30 matched registrations get 30 reminders, whichever instance runs the sweep, however often', async () => {
    const database = await openTestDatabase({ serverUrl: postgresServerUrl });
    const a = await createTestApp({ database });
    const b = await createTestApp({ database, clock: a.clock });
    const clock = a.clock;
    try {
      const admin = await a.user('Reminder Admin', { admin: true });
      const s = await slot(a, admin, 60 * 60_000, { maxParticipants: 40 });
      for (let i = 0; i < 30; i++) {
        const u = await a.user(`Reminded ${i}`);
        assert.equal((await a.app.inject({ method: 'POST', url: `/api/slots/${s.id}/registrations`, headers: u.headers })).statusCode, 201);
      }
      a.clock.set(s.startTime.getTime() - a.config.rules.registrationCutoffMs - 1_000);
      await a.runJobs(); // not due yet
      a.clock.advance(1_000);
      await Promise.all([a.runJobs(), b.runJobs(), a.runJobs(), b.runJobs()]);
      await Promise.all([a.runJobs(), b.runJobs()]);
      const reminders = () => allEvents(a).then((events) => events.filter((e) => e.type === 'registration.reminder'));
      assert.equal((await reminders()).length, 30);
    } finally {
      await b.close();
      await a.close();
    }
    // Restarted two minutes later, still before the start: nothing is sent twice.
    clock.advance(2 * 60_000);
    const c = await createTestApp({ database, clock });
    try {
      await c.runJobs();
      const events = (await allEvents(c)).filter((e) => e.type === 'registration.reminder');
      assert.equal(events.length, 30);
      assert.equal(new Set(events.map((e) => e.subject)).size, 30, 'one per registration');
    } finally {
      await c.close();
      await database.close();
    }
  });
});
