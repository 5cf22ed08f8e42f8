import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuthUser } from '../src/modules/auth/auth.service.ts';
import type { CloudEvent } from '../src/modules/outbox/cloud-event.ts';
import { OutboxService } from '../src/modules/outbox/outbox.service.ts';
import { openTestDatabase, outboxSettled, postgresServerUrl } from './helpers/database.ts';

/**
 * Reading the outbox (DESIGN 4.4, `GET /api/admin/events`): a reader paging with the cursor sees
 * every committed event once, in the order transactions committed, even when a transaction that
 * wrote first commits last. Needs two transactions open at once, so it runs on the real
 * PostgreSQL server on both passes of the suite.
 */
describe('outbox reading order (PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let events: OutboxService;
  const admin: AuthUser = { id: 'events-admin', name: 'Events Admin', email: null, roles: ['admin'], tier: 'free', levels: {} };
  const record = (db: Parameters<OutboxService['record']>[0], subject: string) =>
    events.record(db, { type: 'session.started', subject, key: subject, time: new Date('2026-11-21T10:00:00Z'), data: { sessionId: subject } });

  /** Every page after `cursor`, and the cursor to go on from. */
  async function readAll(cursor: string | null): Promise<{ subjects: (string | undefined)[]; cursor: string | null }> {
    const items: CloudEvent[] = [];
    for (;;) {
      const page = await events.list(admin, cursor ?? undefined, 2);
      items.push(...page.items);
      cursor = page.nextCursor;
      if (page.items.length < 2) return { subjects: items.map((e) => e.subject), cursor };
    }
  }

  before(async () => {
    database = await openTestDatabase({ serverUrl: postgresServerUrl });
    events = new OutboxService(database.db);
  });
  after(() => database.close());

  test('an event whose transaction started first and committed last is not skipped', async () => {
    await record(database.db, 'before');
    // Other test files' transactions on the same server hold the reader back too: wait for them.
    await outboxSettled(database.db);
    const start = await readAll(null);
    assert.deepEqual(start.subjects, ['before']);

    // The slow transaction writes its event first (the lower seq) and stays open.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const slowWrote = new Promise<void>((resolve) => (written = resolve));
    const slow = database.db.transaction(async (tx) => {
      await record(tx, 'slow');
      written();
      await gate;
    });
    await slowWrote;
    await database.db.transaction((tx) => record(tx, 'fast'));

    // While the slow one runs, the fast one's event waits: handing it out now would move the
    // reader's cursor past the slow one's event for good.
    const during = await readAll(start.cursor);
    assert.deepEqual(during.subjects, [], 'nothing is handed out past a transaction still running');

    release();
    await slow;
    await outboxSettled(database.db);
    const later = await readAll(during.cursor);
    assert.deepEqual(later.subjects, ['slow', 'fast'], 'both, once the slow transaction ended');
    assert.deepEqual((await readAll(null)).subjects, ['before', 'slow', 'fast'], 'and a reader from the start sees each once');
  });

  test('a transaction that rolls back leaves no event and holds nothing back', async () => {
    await outboxSettled(database.db);
    const { cursor } = await readAll(null);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    const doomed = database.db
      .transaction(async (tx) => {
        await record(tx, 'rolled-back');
        written();
        await gate;
        throw new Error('the state change failed');
      })
      .catch((err: unknown) => err);
    await wrote;
    await database.db.transaction((tx) => record(tx, 'committed'));
    release();
    assert.equal(((await doomed) as Error).message, 'the state change failed');
    await outboxSettled(database.db);
    assert.deepEqual((await readAll(cursor)).subjects, ['committed']);
  });

  test('cursors: the current form, the bare seq of earlier versions, and refusals', async () => {
    await outboxSettled(database.db);
    const first = await events.list(admin, undefined, 1);
    const cursor = first.items[0]!.cursor;
    assert.match(cursor, /^[0-9]+:[0-9]+$/);
    const seq = cursor.split(':')[1]!;
    const byNew = await events.list(admin, cursor, 100);
    const byOld = await events.list(admin, seq, 100);
    assert.deepEqual(byOld.items.map((e) => e.id), byNew.items.map((e) => e.id), 'a bare seq resumes at the same place');
    assert.deepEqual((await events.list(admin, '0', 100)).items.map((e) => e.id), [first.items[0]!.id, ...byNew.items.map((e) => e.id)]);
    for (const bad of ['999999999', 'abc', '1:2:3', '-1', '12345678901234567890123:1']) {
      await assert.rejects(events.list(admin, bad, 10), { code: 'INVALID_CURSOR' }, bad);
    }
    await assert.rejects(events.list({ ...admin, roles: [] }, undefined, 10), { code: 'ADMIN_ONLY' });
  });
});
