import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { SignJWT, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { createTestApp, type TestApp } from '../helpers/harness.ts';
import { createCourse, createSession, join, post, startSession, type CourseCast } from './support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The Jitsi JWT (seed 004 "Sécurité", DESIGN 4.9), checked with jose the way prosody
 * `token_verification` (luajwtjitsi) checks it: HS256 with the app secret, `typ` JWT, `iss` the
 * app id, `aud` the audience string, the exact room, `nbf`/`exp`, and `context.user` with
 * moderator rights for instructors and course moderators only. The token is never logged.
 */
describe('Jitsi tokens', () => {
  const APP_SECRET = crypto.randomBytes(32).toString('hex');
  const env = {
    JITSI_URL: 'https://meet.example.com',
    JITSI_APP_ID: 'my-app',
    JITSI_APP_SECRET: APP_SECRET,
    JITSI_AUDIENCE: 'jitsi',
    JITSI_ROOM_PREFIX: 'mdsc',
    JITSI_TOKEN_MARGIN: '30m',
  };
  const logs: string[] = [];
  let t: TestApp;
  let cast: CourseCast;
  let session: Json;
  const key = new TextEncoder().encode(APP_SECRET);

  before(async () => {
    const logTo = new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) });
    t = await createTestApp({ env, logTo });
    cast = await createCourse(t, { tag: 'jwt' });
    session = await createSession(t, cast);
    await startSession(t, cast, session.id);
  });
  after(() => t.close());

  const token = async (u: TestCastUser): Promise<Json> => {
    const res = await post(t, u, `/api/live-sessions/${session.id}/jitsi-token`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  type TestCastUser = CourseCast['student'];
  /** Verification as prosody does it (clock: the app's). */
  const verify = (jwt: string, opts: { room?: string; secret?: Uint8Array; typ?: string; at?: Date } = {}) =>
    jwtVerify(jwt, opts.secret ?? key, {
      algorithms: ['HS256'],
      typ: opts.typ ?? 'JWT',
      issuer: 'my-app',
      audience: 'jitsi',
      subject: 'meet.example.com',
      currentDate: opts.at ?? t.clock.now(),
    }).then(({ payload }) => {
      if (payload.room !== (opts.room ?? session.jitsiRoomName)) throw new Error(`room mismatch: ${String(payload.room)}`);
      return payload as Json;
    });

  test('a student gets a participant token with exactly the claims of DESIGN 4.9', async () => {
    await join(t, cast.student, session.id);
    const res = await token(cast.student);
    assert.equal(res.jitsiJoinUrl, `https://meet.example.com/${session.jitsiRoomName}`);
    assert.equal(res.roomName, session.jitsiRoomName);
    assert.equal(res.moderator, false);
    assert.deepEqual(decodeProtectedHeader(res.jwt), { alg: 'HS256', typ: 'JWT' });
    const claims = await verify(res.jwt);
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const exp = Math.floor(new Date(session.endAt).getTime() / 1000) + 30 * 60;
    assert.deepEqual(claims, {
      iss: 'my-app',
      aud: 'jitsi',
      sub: 'meet.example.com',
      room: session.jitsiRoomName,
      iat: now,
      nbf: now - 10,
      exp,
      context: { user: { id: cast.student.id, name: cast.student.name, email: '', avatar: '', moderator: false, affiliation: 'member' } },
    });
    assert.equal(res.expiresAt, new Date(exp * 1000).toISOString());
    assert.match(session.jitsiRoomName, /^mdsc-course-course-jwt-session-1-[a-z0-9]{12}$/);
  });

  test('instructors and course moderators get moderator rights (owner affiliation); strings never null', async () => {
    for (const u of [cast.instructor, cast.moderator]) {
      await join(t, u, session.id);
      const res = await token(u);
      assert.equal(res.moderator, true);
      const { context } = await verify(res.jwt);
      assert.equal(context.user.moderator, true);
      assert.equal(context.user.affiliation, 'owner');
      assert.equal(context.user.id, u.id);
      for (const field of ['id', 'name', 'email', 'avatar']) assert.equal(typeof context.user[field], 'string', field);
    }
    const { context } = await verify((await token(cast.instructor)).jwt);
    assert.equal(context.user.email, 'ines-jwt@example.com', 'the email of the platform token');
  });

  test('refused: wrong typ, expired, another room, a tampered signature, another secret', async () => {
    const { jwt } = await token(cast.student);
    await assert.rejects(verify(jwt, { typ: 'at+jwt' }), joseErrors.JWTClaimValidationFailed);
    const exp = new Date(new Date(session.endAt).getTime() + 30 * 60_000);
    await assert.rejects(verify(jwt, { at: exp }), joseErrors.JWTExpired);
    await verify(jwt, { at: new Date(exp.getTime() - 1000) });
    await assert.rejects(verify(jwt, { at: new Date(t.clock.now().getTime() - 11_000) }), joseErrors.JWTClaimValidationFailed, 'nbf is now - 10 s');
    await assert.rejects(verify(jwt, { room: 'mdsc-course-course-jwt-session-2-aaaaaaaaaaaa' }), /room mismatch/);
    const [h, p, sig] = jwt.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.context.user.moderator = true;
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
    await assert.rejects(verify(forged), joseErrors.JWSSignatureVerificationFailed);
    const flipped = `${h}.${p}.${sig!.slice(0, -2)}${sig!.slice(-2) === 'AA' ? 'BB' : 'AA'}`;
    await assert.rejects(verify(flipped), joseErrors.JWSSignatureVerificationFailed);
    await assert.rejects(verify(jwt, { secret: crypto.randomBytes(32) }), joseErrors.JWSSignatureVerificationFailed);
    // A token signed like ours but with typ missing is what luajwtjitsi refuses ("Invalid typ").
    const untyped = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(key);
    await assert.rejects(verify(untyped), joseErrors.JWTClaimValidationFailed);
  });

  test('issued only to someone allowed in now: joined, while live', async () => {
    const late = await t.user('Late Student');
    await t.app.inject({ method: 'PUT', url: `/api/courses/${cast.courseId}/enrolments/${late.id}`, headers: cast.admin.headers });
    const before = await post(t, late, `/api/live-sessions/${session.id}/jitsi-token`);
    assert.equal(before.statusCode, 409);
    assert.equal(before.json().error.code, 'NOT_PRESENT');
    assert.equal((await post(t, cast.other, `/api/live-sessions/${session.id}/jitsi-token`)).statusCode, 404);
    await join(t, late, session.id);
    assert.equal((await post(t, late, `/api/live-sessions/${session.id}/leave`)).json().isPresent, false);
    assert.equal((await post(t, late, `/api/live-sessions/${session.id}/jitsi-token`)).json().error.code, 'NOT_PRESENT');
    const scheduled = await createSession(t, cast, { title: 'Not started' });
    assert.equal((await post(t, cast.instructor, `/api/live-sessions/${scheduled.id}/jitsi-token`)).json().error.code, 'SESSION_NOT_LIVE');
  });

  test('tokens and the response never reach the logs; the response is not cached', async () => {
    const res = await post(t, cast.student, `/api/live-sessions/${session.id}/jitsi-token`);
    assert.equal(res.headers['cache-control'], 'no-store');
    const jwt = res.json().jwt as string;
    const all = logs.join('');
    assert.ok(all.includes('/jitsi-token'), 'the request itself is logged');
    assert.ok(!all.includes(jwt), 'the Jitsi token is not');
    assert.ok(!all.includes(jwt.split('.')[2]!), 'nor its signature');
    assert.ok(!all.includes(cast.student.token), 'nor the bearer token');
  });

  test('GET /api/jitsi/config tells the page where external_api.js is', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/jitsi/config', headers: cast.student.headers });
    assert.deepEqual(res.json(), { url: 'https://meet.example.com', domain: 'meet.example.com', externalApiUrl: 'https://meet.example.com/external_api.js' });
  });
});

describe('Jitsi token settings', () => {
  test('JITSI_APP_SECRET falls back to JWT_SECRET; JITSI_DOMAIN overrides sub; a tenant path is kept in the room name', async () => {
    const secret = crypto.randomBytes(32).toString('hex');
    const t = await createTestApp({ env: { JWT_SECRET: secret, JITSI_URL: 'https://8x8.example/tenant1', JITSI_DOMAIN: 'Tenant1' } });
    try {
      const cast = await createCourse(t, { tag: 'fallback' });
      const s = await createSession(t, cast);
      await startSession(t, cast, s.id);
      await join(t, cast.instructor, s.id);
      const res = (await post(t, cast.instructor, `/api/live-sessions/${s.id}/jitsi-token`)).json();
      const { payload } = await jwtVerify(res.jwt, new TextEncoder().encode(secret), { algorithms: ['HS256'], typ: 'JWT', audience: 'jitsi', issuer: 'conversation-service', currentDate: t.clock.now() });
      assert.equal(payload.sub, 'tenant1');
      assert.equal(res.roomName, `tenant1/${s.jitsiRoomName}`);
      assert.equal(res.jitsiJoinUrl, `https://8x8.example/tenant1/${s.jitsiRoomName}`);
    } finally {
      await t.close();
    }
  });
});
