/**
 * A real coturn (Debian package `coturn`, `turnserver`) on 127.0.0.1 for the TURN tests (browser
 * relay, credentials), in the `use-auth-secret` mode that `/api/ice-servers` issues credentials for. Missing coturn
 * fails the test with an install hint (`sudo sh scripts/install-debian-tools.sh coturn`).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const TURNSERVER = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';

export function requireCoturn(): void {
  assert.ok(
    fs.existsSync(TURNSERVER),
    `coturn is required for the TURN tests but ${TURNSERVER} does not exist. Install it with \`sudo sh scripts/install-debian-tools.sh coturn\` (apt-get install -y coturn) or set TURNSERVER_PATH.`,
  );
}

/** A port free on 127.0.0.1 for both UDP and TCP (coturn listens on both). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + crypto.randomInt(40_000);
    const udpFree = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (!udpFree) continue;
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
  throw new Error('no free port found for coturn');
}

/** Sends a STUN Binding request to 127.0.0.1:`port` and resolves true when a response comes back. */
function stunAnswers(port: number, timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const request = Buffer.alloc(20);
    request.writeUInt16BE(0x0001, 0); // Binding request
    request.writeUInt16BE(0, 2); // no attributes
    request.writeUInt32BE(0x2112a442, 4); // magic cookie
    crypto.randomBytes(12).copy(request, 8);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('message', (msg) => done(msg.length >= 20 && msg.readUInt16BE(0) === 0x0101 && msg.subarray(8, 20).equals(request.subarray(8, 20))));
    socket.once('error', () => done(false));
    socket.send(request, port, '127.0.0.1');
  });
}

export interface Coturn {
  port: number;
  secret: string;
  /** `TURN_URLS` for the app. */
  url: string;
  /** Output of the server, for failure messages. */
  output(): string;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same secret. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts coturn on a free loopback port and waits until it answers STUN. */
export async function startCoturn(secret = 'SECRET'): Promise<Coturn> {
  requireCoturn();
  const port = await freePort();
  // Own pid file and user database: other coturn instances (other test runs) may be running.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-coturn-'));
  let child: ChildProcess | null = null;
  let log = '';
  const launch = async () => {
    const args = [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=test',
      '--no-tls',
      '--no-dtls',
      '--allow-loopback-peers',
      '--no-cli',
      '--log-file=stdout',
      '--simple-log',
      `--pidfile=${path.join(dir, 'turnserver.pid')}`,
      `--userdb=${path.join(dir, 'turndb')}`,
    ];
    const proc = spawn(TURNSERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const append = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-20_000);
    };
    proc.stdout!.on('data', append);
    proc.stderr!.on('data', append);
    const deadline = Date.now() + 15_000;
    while (!(await stunAnswers(port))) {
      assert.ok(proc.exitCode === null, `coturn exited with ${proc.exitCode}:\n${log}`);
      assert.ok(Date.now() < deadline, `coturn did not answer STUN on 127.0.0.1:${port} within 15 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const terminate = async (signal: NodeJS.Signals) => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await launch();
  } catch (err) {
    await terminate('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    secret,
    url: `turn:127.0.0.1:${port}?transport=udp`,
    output: () => log,
    kill: () => terminate('SIGKILL'),
    restart: launch,
    stop: async () => {
      await terminate('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
