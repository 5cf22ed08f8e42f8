import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/harness.ts';

/**
 * HTTP server limits set on purpose (issue 13): a client that sends its headers one byte at a time
 * (slowloris) is cut at `HTTP_HEADERS_TIMEOUT` and holds no socket beyond it; security headers on
 * every answer.
 */
describe('HTTP server limits', () => {
  let t: TestApp;
  let port: number;
  before(async () => {
    t = await createTestApp({ env: { HTTP_HEADERS_TIMEOUT: '1s', HTTP_REQUEST_TIMEOUT: '2s' } });
    port = Number(new URL(await t.listen()).port);
  });
  after(() => t.close());

  test('a slow-headers client (one byte every 200 ms) is cut at the headers timeout', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const header = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(60) + '\r\n\r\n';
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    let sent = 0;
    let open = true;
    void closed.then(() => (open = false));
    socket.on('error', () => undefined);
    // 80 bytes at 5 a second would take 16 s; the server must give up long before.
    while (open && sent < header.length) {
      socket.write(header[sent++]);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await closed;
    assert.ok(sent < header.length, `cut after ${sent} of ${header.length} bytes`);
    assert.match(answer, /^HTTP\/1\.1 408/, 'answered 408 Request Timeout, then closed');
  });

  test('every answer carries the security headers', async () => {
    for (const url of ['/healthz', '/api/slots', '/', '/api/openapi.json']) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.equal(res.headers['referrer-policy'], 'no-referrer', url);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/, url);
      assert.match(String(res.headers['content-security-policy']), /object-src 'none'/, url);
    }
  });
});
