/**
 * A real S3-protocol server for the recordings tests: S3Proxy (Java, jars from Maven Central) on a
 * free loopback port, started by `scripts/start-s3.sh` (SigV4 and presigned-URL expiry enforced,
 * filesystem backend, CORS open so pages may PUT to it). Start it once per test file and stop it
 * after. Without Java 17+ (or Maven while the jars are not cached) it FAILS in CI with an install
 * hint; outside CI (`CI` unset) the caller may skip with `s3ProxyUnavailable()`'s message.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = path.join(ROOT, 'scripts/start-s3.sh');
const VERSION = process.env.S3PROXY_VERSION ?? '4.1.0';
const CACHE = process.env.S3PROXY_CACHE_DIR ?? path.join(os.homedir(), '.cache/conversation-service', `s3proxy-${VERSION}`);
const HINT =
  'S3Proxy needs Java 17 or newer, and Maven to fetch its jars once: `sudo apt-get install -y openjdk-17-jre-headless maven` (or set JAVA_HOME); see infra/s3proxy/README.md.';

/** The `S3_*` settings of a running S3Proxy, and how to stop it. */
export interface S3Proxy {
  env: { S3_ENDPOINT: string; S3_REGION: string; S3_BUCKET: string; S3_ACCESS_KEY_ID: string; S3_SECRET_ACCESS_KEY: string; S3_FORCE_PATH_STYLE: string };
  /** Its folder: config, log and the objects (`data/{bucket}/…`). */
  runDir: string;
  /** The server's log, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

function hasJava17(): boolean {
  const candidates = [process.env.JAVA_HOME && path.join(process.env.JAVA_HOME, 'bin/java'), 'java'].filter(Boolean) as string[];
  for (const dir of fs.existsSync('/usr/lib/jvm') ? fs.readdirSync('/usr/lib/jvm') : []) candidates.push(path.join('/usr/lib/jvm', dir, 'bin/java'));
  return candidates.some((java) => {
    const out = spawnSync(java, ['-XshowSettings:properties', '-version'], { encoding: 'utf8' });
    const version = /java\.specification\.version = (\d+)/.exec(`${out.stderr}${out.stdout}`)?.[1];
    return out.status === 0 && Number(version) >= 17;
  });
}

/**
 * Why S3Proxy cannot run here (no Java 17, or no Maven and no cached jars), or null when it can.
 * In CI this fails the test instead: no test may skip there.
 */
export function s3ProxyUnavailable(): string | null {
  const missing: string[] = [];
  if (!hasJava17()) missing.push('Java 17+');
  if (!fs.existsSync(path.join(CACHE, 'lib', `s3proxy-${VERSION}.jar`)) && spawnSync('mvn', ['-v']).status !== 0) missing.push('Maven');
  if (missing.length === 0) return null;
  const message = `S3Proxy cannot run: ${missing.join(' and ')} missing. ${HINT}`;
  assert.ok(!process.env.CI, message);
  return message;
}

/** Starts S3Proxy (fetching its jars on first use). @throws when it does not come up (its log in the message). */
export async function startS3Proxy(): Promise<S3Proxy> {
  const reason = s3ProxyUnavailable();
  assert.equal(reason, null, reason ?? '');
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-s3proxy-'));
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('bash', [SCRIPT, 'start'], { env: { ...process.env, S3PROXY_RUN_DIR: runDir }, timeout: 180_000 }));
  } catch (err) {
    const log = fs.existsSync(path.join(runDir, 's3proxy.log')) ? fs.readFileSync(path.join(runDir, 's3proxy.log'), 'utf8').slice(-4000) : '';
    fs.rmSync(runDir, { recursive: true, force: true });
    throw new Error(`S3Proxy did not start: ${(err as Error).message}\n${log}`);
  }
  const vars = Object.fromEntries(
    stdout
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  ) as Record<string, string>;
  for (const key of ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']) assert.ok(vars[key], `start-s3.sh printed ${key}`);
  return {
    env: {
      S3_ENDPOINT: vars.S3_ENDPOINT!,
      S3_REGION: vars.S3_REGION ?? 'auto',
      S3_BUCKET: vars.S3_BUCKET!,
      S3_ACCESS_KEY_ID: vars.S3_ACCESS_KEY_ID!,
      S3_SECRET_ACCESS_KEY: vars.S3_SECRET_ACCESS_KEY!,
      S3_FORCE_PATH_STYLE: vars.S3_FORCE_PATH_STYLE ?? 'true',
    },
    runDir,
    log: () => (fs.existsSync(path.join(runDir, 's3proxy.log')) ? fs.readFileSync(path.join(runDir, 's3proxy.log'), 'utf8') : ''),
    stop: async () => {
      await promisify(execFile)('bash', [SCRIPT, 'stop', runDir]).catch(() => undefined);
      fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
}
