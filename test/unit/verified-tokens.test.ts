/**
 * The cache of verified tokens (issue 14) and the verifier over it: a second request with the same
 * token is answered from the cache, a token one byte off is verified (and refused) afresh, an
 * entry ends at the token's `exp` or a minute after its verification, whichever comes first, and
 * the oldest entries leave at capacity.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthService } from '../../src/modules/auth/auth.service.ts';
import { VerifiedTokens } from '../../src/modules/auth/verified-tokens.ts';

const T0 = Date.UTC(2026, 11, 2, 12);

test('an entry holds until exp or maxAge after verification, whichever comes first', () => {
  const cache = new VerifiedTokens<string>(10, 60_000);
  cache.put('a.b.c', 'alice', T0 + 30_000, T0);
  cache.put('d.e.f', 'bob', T0 + 3_600_000, T0);
  assert.equal(cache.get('a.b.c', T0 + 29_999), 'alice');
  assert.equal(cache.get('a.b.c', T0 + 30_000), undefined, 'expired with the token');
  assert.equal(cache.get('d.e.f', T0 + 59_999), 'bob');
  assert.equal(cache.get('d.e.f', T0 + 60_000), undefined, 'a minute after verification');
  assert.equal(cache.get('a.b.C', T0), undefined, 'another string is another token');
  cache.put('g.h.i', 'late', T0 - 1, T0);
  assert.equal(cache.get('g.h.i', T0 - 2), undefined, 'an already expired token is not kept');
});

test('the oldest entry leaves at capacity', () => {
  const cache = new VerifiedTokens<number>(3, 60_000);
  for (let i = 1; i <= 4; i++) cache.put(`t${i}`, i, T0 + 3_600_000, T0);
  assert.equal(cache.size, 3);
  assert.equal(cache.get('t1', T0), undefined);
  assert.deepEqual([2, 3, 4].map((i) => cache.get(`t${i}`, T0)), [2, 3, 4]);
});

test('the verifier: a repeated token gives the same frozen user; a tampered one is refused', async () => {
  const auth = AuthService.create({ jwtSecret: 's'.repeat(40), issuer: null, audience: null, dataDir: null, production: false });
  const token = await auth.sign({ sub: 'u-1', name: 'Léa', roles: ['admin'] });
  const first = await auth.verify(token);
  const second = await auth.verify(token);
  assert.equal(second, first, 'answered from the cache');
  assert.equal(first.name, 'Léa');
  assert.throws(() => (first.roles as string[]).push('instructor'), TypeError, 'shared, so frozen');
  const [h, p, sig] = token.split('.');
  const flipped = `${h}.${p}.${sig!.slice(0, -2)}${sig!.endsWith('AA') ? 'BB' : 'AA'}`;
  await assert.rejects(auth.verify(flipped), (err: { code?: string }) => err.code === 'INVALID_TOKEN');
  const expired = await auth.sign({ sub: 'u-2', name: 'Old' }, -60);
  await assert.rejects(auth.verify(expired), (err: { code?: string }) => err.code === 'TOKEN_EXPIRED');
  await assert.rejects(auth.verify(expired), (err: { code?: string }) => err.code === 'TOKEN_EXPIRED', 'refusals are not cached');
});
