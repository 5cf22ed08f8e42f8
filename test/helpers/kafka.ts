/**
 * A real Apache Kafka 4.x broker for the event tests (issue 10), started from Kafka's own jars by
 * `scripts/start-kafka.sh` (fetched once with Maven). `TEST_KAFKA_BROKERS` names a running broker
 * (`.ci/run` starts one and stops it at the end); otherwise the helper starts one in a state folder
 * shared by every test file of the run (the script serialises starts and finds a running broker),
 * and leaves it running for the next files (`scripts/start-kafka.sh stop` with the same
 * `KAFKA_STATE_DIR` stops it).
 *
 * In CI (`CI` set) a missing Java or Maven FAILS the test; elsewhere the test skips with a message
 * saying what to install. Nothing else skips.
 */
import { execFile, execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The shared state folder of brokers this helper starts. */
export const TEST_KAFKA_STATE_DIR = process.env.KAFKA_STATE_DIR ?? path.join(os.tmpdir(), 'cs-test-kafka');

/** Why Kafka cannot run here (no Java 17+, no Maven), or null. */
export function kafkaUnavailableReason(): string | null {
  if (process.env.TEST_KAFKA_BROKERS) return null;
  for (const [tool, args] of [
    ['java', ['-version']],
    ['mvn', ['-v']],
  ] as const) {
    try {
      execFileSync(tool, [...args], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed: the Kafka tests start a broker from Apache Kafka's jars (Java 17 and Maven are needed)`;
    }
  }
  return null;
}

/** Options for `describe`/`test`: skip with the reason outside CI; in CI a missing tool fails instead. */
export function kafkaTestOptions(): { skip?: string } {
  const reason = kafkaUnavailableReason();
  if (reason === null || process.env.CI) return {};
  return { skip: reason };
}

let brokers: Promise<string> | null = null;

/**
 * The broker address (`host:port`), starting a broker when needed (a few seconds; the first run
 * fetches the jars, ~10 s).
 * @throws Error when the broker cannot start (the script's log tail is in the message).
 */
export function kafkaBrokers(): Promise<string> {
  if (process.env.TEST_KAFKA_BROKERS) return Promise.resolve(process.env.TEST_KAFKA_BROKERS);
  const reason = kafkaUnavailableReason();
  if (reason) return Promise.reject(new Error(reason));
  brokers ??= run('bash', [path.join(ROOT, 'scripts/start-kafka.sh')], { env: { ...process.env, KAFKA_STATE_DIR: TEST_KAFKA_STATE_DIR }, timeout: 180_000 }).then(
    ({ stdout }) => {
      const line = stdout.split('\n').find((l) => l.startsWith('KAFKA_BROKERS='));
      if (!line) throw new Error(`scripts/start-kafka.sh printed no KAFKA_BROKERS line:\n${stdout}`);
      return line.slice('KAFKA_BROKERS='.length).trim();
    },
    (err: Error & { stderr?: string }) => {
      throw new Error(`scripts/start-kafka.sh failed: ${err.message}\n${err.stderr ?? ''}`);
    },
  );
  return brokers;
}
