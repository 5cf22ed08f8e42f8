import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { Value } from 'typebox/value';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../src/config.ts';
import { AppConfigSchema } from '../../src/config/schema.ts';

/** `KEY=value` lines of `.env.example`, set or commented out (`# KEY=example`). */
function envExample(): Map<string, { value: string; commented: boolean }> {
  const lines = new Map<string, { value: string; commented: boolean }>();
  for (const line of fs.readFileSync(new URL('../../.env.example', import.meta.url), 'utf8').split('\n')) {
    const match = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) lines.set(match[2], { value: match[3], commented: match[1] !== undefined });
  }
  return lines;
}

/** The environment keys `loadConfig` looks at, whatever reads them. */
function keysRead(): Set<string> {
  const read = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get: (_target, key) => {
      if (typeof key === 'string') read.add(key);
      return undefined;
    },
  });
  loadConfig(env);
  return read;
}

describe('configuration is declared once (DESIGN 4.5)', () => {
  test('every variable the parser reads is declared and documented in .env.example', () => {
    const read = [...keysRead()].sort();
    assert.deepEqual(read, CONFIG_VARIABLES.map((v) => v.key).sort(), 'the parser reads exactly the declared variables');
    const documented = envExample();
    assert.deepEqual(read.filter((key) => !documented.has(key)), [], 'missing from .env.example');
  });

  test('.env.example sets each variable to its default, comments out those without one, and names nothing else', () => {
    const declared = new Map(CONFIG_VARIABLES.map((v) => [v.key, v]));
    for (const [key, line] of envExample()) {
      const variable = declared.get(key);
      assert.ok(variable, `.env.example documents ${key}, which nothing reads`);
      if (line.commented) assert.ok(!variable.default, `${key} has the default "${variable.default}": write it uncommented`);
      else assert.equal(line.value, variable.default, `${key}'s default`);
    }
  });

  test('the README configuration table names declared variables only', () => {
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
    const names = [...section.matchAll(/^\| ([^|]+) \|/gm)].flatMap((row) => [...row[1].matchAll(/`([A-Z][A-Z0-9_]*\*?)`/g)].map((m) => m[1]));
    assert.ok(names.length >= 10, 'the table was found');
    const keys = CONFIG_VARIABLES.map((v) => v.key);
    for (const name of names) {
      const known = name.endsWith('*') ? keys.some((key) => key.startsWith(name.slice(0, -1))) : keys.includes(name);
      assert.ok(known, `README names ${name}, which nothing reads`);
    }
  });

  test('what loadConfig returns matches the schema the types come from', () => {
    assert.ok(Value.Check(AppConfigSchema, loadConfig({})));
    const set = loadConfig({
      DATABASE_URL: 'postgres://u@127.0.0.1/db',
      REDIS_URL: 'redis://127.0.0.1:6379',
      JWT_SECRET: 'x'.repeat(32),
      ALLOWED_ORIGINS: 'https://a.example.com, https://b.example.com',
      LOG_LEVEL: 'debug',
      RULES_START_GRACE: '90s',
      TURN_URLS: 'turn:a:3478',
      TURN_SECRET: 's',
    });
    assert.ok(Value.Check(AppConfigSchema, set), JSON.stringify(Value.Errors(AppConfigSchema, set)));
    assert.deepEqual(set.server.allowedOrigins, ['https://a.example.com', 'https://b.example.com']);
    assert.equal(set.rules.startGraceMs, 90_000);
    assert.equal(set.redis.url, 'redis://127.0.0.1:6379');
  });
});

describe('bad values', () => {
  test('of every kind are reported together, each variable in declaration order, then the rules across variables', () => {
    const env = {
      PORT: '99999',
      LOG_LEVEL: 'loud',
      ALLOWED_ORIGINS: 'https://app.example.com/path',
      JOBS_INTERVAL: 'x',
      AUTH_JWKS_URL: 'not a url',
      RULES_SLOT_HORIZON: 'a week',
      SIGNALING_MESSAGE_BURST: '5',
      TURN_URLS: 'http://turn.example.com',
      TURN_TTL: '30s',
    };
    assert.throws(() => loadConfig(env), (err) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [
        'PORT: "99999" must be an integer between 0 and 65535',
        'LOG_LEVEL: "loud" must be one of fatal, error, warn, info, debug, trace, silent',
        'ALLOWED_ORIGINS: "https://app.example.com/path" is not a bare origin like https://app.example.com',
        'JOBS_INTERVAL: "x" is not a duration (write e.g. 90s, 5m, 30d)',
        'AUTH_JWKS_URL: not a valid URL',
        'RULES_SLOT_HORIZON: "a week" is not a duration (write e.g. 90s, 5m, 30d)',
        'SIGNALING_MESSAGE_BURST: "5" must be an integer between 10 and 1000000',
        'TURN_URLS: "http://turn.example.com" is not a URL like turn:turn.example.com:3478?transport=udp',
        'TURN_TTL: must be between 1m and 7d',
        'TURN_SECRET: required when TURN_URLS is set',
      ]);
      return true;
    });
  });

  test('blank values read as unset', () => {
    assert.equal(loadConfig({ PORT: '  ', DATABASE_URL: '' }).server.port, 3000);
    assert.equal(loadConfig({ DATABASE_URL: '' }).database.url, null);
  });
});
