// Proves the Kafka client we chose (@platformatic/kafka 1.x) against a real broker, the way the
// service's event sink and user.deleted consumer will use it (DESIGN 4.4, 4.8):
//   admin topic creation, an idempotent acks=all producer writing key + CloudEvent JSON + headers,
//   a consumer in group conversation-service committing each message only after processing it,
//   a restarted consumer resuming after the committed offset, and the shape of the client's errors.
// Usage: eval "$(scripts/start-kafka.sh)" && KAFKA_BROKERS=$KAFKA_BROKERS npx tsx scripts/kafka-smoke.ts
import { randomUUID } from 'node:crypto';
import { strict as assert } from 'node:assert';
import {
  Admin,
  Consumer,
  GenericError,
  MultipleErrors,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
  type Message,
} from '@platformatic/kafka';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) throw new Error('set KAFKA_BROKERS (scripts/start-kafka.sh prints it)');
const topic = `smoke.session.ended.${randomUUID().slice(0, 8)}`; // fresh per run: no old offsets
const groupId = 'conversation-service';
const t0 = Date.now();
const step = (what: string) => console.log(`${String(Date.now() - t0).padStart(5)} ms  ${what}`);
step(`node ${process.version}, brokers ${brokers.join(',')}, topic ${topic}`);

// How the client reports errors: GenericError subclasses with a string `code` (PLT_KFK_*),
// `canRetry`, and for broker answers a ResponseError (a MultipleErrors) holding ProtocolErrors
// with the broker's error name in `apiId`.
function describe(e: unknown): string {
  if (!(e instanceof Error) || !GenericError.isGenericError(e)) return String(e);
  const inner = MultipleErrors.isMultipleErrors(e) ? e.errors.map((x: Error) => describe(x)).join('; ') : '';
  const f = e as GenericError;
  return `${f.constructor.name} code=${f.code} canRetry=${f.canRetry}${f.apiId ? ` apiId=${f.apiId}` : ''}${inner ? ` [${inner}]` : ''}: ${f.message}`;
}

// 1. Admin: create the topic (1 partition, replication factor 1 on the test broker).
const admin = new Admin({ clientId: 'conversation-service-admin', bootstrapBrokers: brokers });
const created = await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
step(`created topic ${created[0].name} (${created[0].partitions} partition)`);
try {
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
  assert.fail('a second createTopics should fail');
} catch (e) {
  step(`second createTopics -> ${describe(e)}`);
  assert.ok(e instanceof MultipleErrors && e.findBy('apiId', 'TOPIC_ALREADY_EXISTS'));
}

// 2. Idempotent producer, acks = all in-sync replicas (idempotent implies ALL; stated for clarity).
const producer = new Producer({
  clientId: 'conversation-service',
  bootstrapBrokers: brokers,
  idempotent: true,
  acks: ProduceAcks.ALL,
  serializers: stringSerializers, // key, value, header keys and values as strings
});
const sessionId = randomUUID();
const events = Array.from({ length: 5 }, (_, i) => ({
  specversion: '1.0',
  id: randomUUID(),
  source: '/conversation-service',
  type: 'session.ended',
  time: new Date().toISOString(),
  subject: sessionId,
  datacontenttype: 'application/json',
  data: { sessionId, n: i },
}));
const result = await producer.send({
  messages: events.map((ev) => ({
    topic,
    key: sessionId,
    value: JSON.stringify(ev),
    headers: { 'content-type': 'application/cloudevents+json', ce_id: ev.id },
  })),
});
step(`produced ${events.length} (producerId ${producer.producerId}, epoch ${producer.producerEpoch}) -> ${JSON.stringify(result.offsets, (_, v) => (typeof v === 'bigint' ? Number(v) : v))}`);
assert.ok(producer.producerId !== undefined && producer.producerId >= 0n, 'idempotent producer got a producer id');
try {
  await producer.send({ messages: [{ topic, value: 'x' }], acks: ProduceAcks.LEADER });
  assert.fail('acks=1 on an idempotent producer should be refused');
} catch (e) {
  step(`acks=1 on the idempotent producer -> ${describe(e)}`);
}
await producer.close();

// 3. Consumer group with manual commits: read `count` messages, commit each after "processing".
async function consume(count: number): Promise<Message<string, string, string, string>[]> {
  const consumer = new Consumer({
    clientId: 'conversation-service',
    groupId,
    bootstrapBrokers: brokers,
    deserializers: stringDeserializers,
    autocommit: false, // the default is true (every message committed as soon as it is read)
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  // mode 'committed' resumes after the group's committed offset (default 'latest' would skip
  // everything already in the topic); a new group starts at the beginning.
  const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest' });
  const got: Message<string, string, string, string>[] = [];
  for await (const message of stream as AsyncIterable<Message<string, string, string, string>>) {
    const event = JSON.parse(message.value); // the "processing"
    assert.equal(message.headers.get('ce_id'), event.id);
    await message.commit(); // commits offset + 1 for this partition, only now
    got.push(message);
    if (got.length === count) break;
  }
  await stream.close();
  await consumer.close(); // leaves the group, so the next member gets the partition at once
  return got;
}

const first = await consume(3);
step(`consumer 1 read offsets ${first.map((m) => m.offset).join(',')}, committed each, closed`);
for (const [i, m] of first.entries()) {
  assert.equal(m.key, sessionId);
  assert.deepEqual(JSON.parse(m.value), events[i]);
  assert.equal(m.headers.get('content-type'), 'application/cloudevents+json');
  assert.equal(m.headers.get('ce_id'), events[i].id);
}
const committed = await admin.listConsumerGroupOffsets({ groups: [groupId] });
const ours = committed[0].topics.find((t) => t.name === topic);
step(`group ${groupId} committed offset on ${topic}: ${ours?.partitions[0].committedOffset}`);
assert.equal(ours?.partitions[0].committedOffset, 3n);

const second = await consume(2);
step(`consumer 2 (restart) read offsets ${second.map((m) => m.offset).join(',')}`);
assert.deepEqual(second.map((m) => Number(m.offset)), [3, 4], 'resumed after the committed offset, nothing re-read');
assert.deepEqual(second.map((m) => JSON.parse(m.value).id), [events[3].id, events[4].id]);

// 4. A broker that is not there: a NetworkError (canRetry) after the client's own retries.
const nowhere = new Admin({ clientId: 'x', bootstrapBrokers: ['127.0.0.1:1'], retries: 1, retryDelay: 100 });
try {
  await nowhere.listTopics();
} catch (e) {
  step(`unreachable broker -> ${describe(e)}`);
}
await nowhere.close();

await admin.deleteTopics({ topics: [topic] });
await admin.close();
step('smoke passed: admin, idempotent acks=all producer, manual commits, resume after restart');
