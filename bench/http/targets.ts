/**
 * What `npm run bench:http` loads (issue 14): the service as its own process on PGlite or on a
 * fresh PostgreSQL database, seeded through its REST API, and tokens signed as the auth-service
 * signs them (HS256 with the shared JWT_SECRET, claims of DESIGN 4.1).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import pg from 'pg';
import { startServiceChild, type Entry, type ServiceChild } from '../service-child.ts';

export type DatabaseKind = 'pglite' | 'postgres';

/** The largest capacity a slot accepts (`maxParticipants`, src/protocol/slots.ts). */
export const SLOT_CAPACITY = 200;

const SECRET = crypto.randomBytes(32).toString('hex');
const KEY = new TextEncoder().encode(SECRET);

/** An HS256 token with DESIGN 4.1's claims, valid 2 h. */
export function signToken(sub: string, roles: string[] = []): Promise<string> {
  return new SignJWT({ name: sub, roles, tier: 'free', levels: {} })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(KEY);
}

/** `count` learners' tokens (distinct `sub`), signed 1,000 at a time. */
export async function learnerTokens(count: number, prefix: string): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - i) }, (_, j) => signToken(`${prefix}-${i + j}`));
    tokens.push(...(await Promise.all(batch)));
  }
  return tokens;
}

/** The service under load, and how to take it and its database down. */
export interface Target {
  kind: DatabaseKind;
  service: ServiceChild;
  close(): Promise<void>;
}

/**
 * Starts the service (`entry`) on `kind`: PGlite in a temporary DATA_DIR, or a database created
 * for this run on the PostgreSQL server at `serverUrl` (dropped by `close`). Logs off, jobs on
 * (their default interval), the per-user rate limit lifted (one admin token lists at full speed).
 */
export async function startTarget(kind: DatabaseKind, entry: Entry, serverUrl: string): Promise<Target> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-bench-http-'));
  let databaseUrl: string | null = null;
  const dbName = `cs_bench_http_${crypto.randomBytes(4).toString('hex')}`;
  if (kind === 'postgres') {
    await adminQuery(serverUrl, `create database ${dbName}`);
    const url = new URL(serverUrl);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
  }
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    JWT_SECRET: SECRET,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  const service = await startServiceChild(entry, env);
  return {
    kind,
    service,
    async close() {
      const code = await service.stop();
      if (code !== 0) console.error(`${kind}: the service exited with ${code}:\n${service.tail.join('\n')}`);
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (kind === 'postgres') await adminQuery(serverUrl, `drop database if exists ${dbName} with (force)`);
    },
  };
}

/** True when a PostgreSQL server answers at `url` within 3 s. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function adminQuery(serverUrl: string, query: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

/**
 * Creates `count` slots of {@link SLOT_CAPACITY} seats through `POST /api/slots` as an admin, 10
 * at a time, starting 2 h from now, one every 15 minutes (registration open throughout the run).
 * @returns their ids, in creation order.
 * @throws Error on any answer but 201.
 */
export async function createSlots(baseUrl: string, adminToken: string, count: number): Promise<string[]> {
  const first = Math.ceil((Date.now() + 2 * 3_600_000) / 900_000) * 900_000;
  const ids: string[] = new Array(count);
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, async (_, j) => {
        const res = await fetch(`${baseUrl}/api/slots`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ targetLanguageCode: 'en', level: 'B1', startTime: new Date(first + (i + j) * 900_000).toISOString(), durationMinutes: 30, maxParticipants: SLOT_CAPACITY }),
        });
        if (res.status !== 201) throw new Error(`slot creation answered ${res.status}: ${await res.text()}`);
        ids[i + j] = ((await res.json()) as { id: string }).id;
      }),
    );
  }
  return ids;
}
