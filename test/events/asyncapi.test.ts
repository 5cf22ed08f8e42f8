import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Parser } from '@asyncapi/parser';
import { Value } from 'typebox/value';
import { createTestApp } from '../helpers/harness.ts';

/**
 * The AsyncAPI 3 document (issue 10, DESIGN 4.8) at `/api/asyncapi.json`: valid for the AsyncAPI
 * parser, a channel for every event type published and consumed, each message a CloudEvent with
 * its data schema and an example that validates against it, schemas keyed by `dataschema`.
 */
describe('AsyncAPI document', () => {
  test('validates with @asyncapi/parser and covers every event of every module with a valid example', async () => {
    const t = await createTestApp({ env: { KAFKA_TOPIC_PREFIX: 'prod.' } });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/api/asyncapi.json' });
      assert.equal(res.statusCode, 200);
      const doc = res.json();
      const { document, diagnostics } = await new Parser().parse(doc);
      const errors = diagnostics.filter((d) => d.severity === 0);
      assert.deepEqual(errors.map((d) => `${d.path.join('.')}: ${d.message}`), []);
      assert.ok(document, 'parsed');

      const published = t.services.modules.flatMap((m) => m.events ?? []);
      const consumed = t.services.modules.flatMap((m) => m.consumes ?? []);
      const expected = [
        'session.started',
        'participant.left',
        'session.ended',
        'registration.created',
        'registration.cancelled',
        'registration.matched',
        'registration.unmatched',
        'registration.reminder',
      ];
      for (const type of expected) assert.ok(published.some((d) => d.type === type), `${type} is declared by its module`);
      assert.deepEqual(consumed.map((d) => d.type), ['user.deleted']);

      const channels = document!.channels().all();
      const addresses = channels.map((c) => c.address());
      for (const d of published) assert.ok(addresses.includes(`prod.${d.type}`), `a channel for ${d.type}`);
      assert.ok(addresses.includes('user.deleted'), 'and for the consumed user.deleted');
      for (const op of document!.operations().all()) assert.ok(['send', 'receive'].includes(op.action()));
      for (const d of [...published, ...consumed]) {
        assert.ok(Value.Check(d.data, d.example), `${d.type}'s example matches its schema: ${JSON.stringify([...Value.Errors(d.data, d.example)].slice(0, 2))}`);
        assert.ok(doc.components.schemas[`urn:conversation-service:${d.type}:v1`], `${d.type}'s data schema is keyed by its dataschema`);
        const message = doc.components.messages[`${d.type}.v1`];
        assert.equal(message.examples[0].payload.type, d.type);
        assert.equal(message.examples[0].payload.dataschema, `urn:conversation-service:${d.type}:v1`);
      }
    } finally {
      await t.close();
    }
  });
});
