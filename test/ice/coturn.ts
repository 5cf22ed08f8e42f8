import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stunBinding } from './turn-client.ts';

/** True when coturn's `turnserver` is installed (`apt-get install -y coturn`, `scripts/install-coturn.sh`). */
export function coturnInstalled(): boolean {
  return spawnSync('turnserver', ['--help'], { stdio: 'ignore' }).error === undefined;
}

/** A real coturn on 127.0.0.1, started for a test and stopped after it. */
export interface Coturn {
  /** UDP and TCP listening port. */
  port: number;
  /** What coturn printed (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `turnserver` on a free port of 127.0.0.1 with the TURN REST scheme (`use-auth-secret`)
 * and `secret`, the flags of TESTING-NOTES (loopback peers allowed, no TLS/DTLS, no CLI), its pid
 * file and database in a temporary directory, and waits until it answers a STUN Binding.
 */
export async function startCoturn(secret: string, realm = 'conversation-test'): Promise<Coturn> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-coturn-'));
    const child = spawn(
      'turnserver',
      [
        '-n',
        '--listening-ip=127.0.0.1',
        '--relay-ip=127.0.0.1',
        `--listening-port=${port}`,
        '--use-auth-secret',
        `--static-auth-secret=${secret}`,
        `--realm=${realm}`,
        '--no-tls',
        '--no-dtls',
        '--allow-loopback-peers',
        '--no-cli',
        '--log-file=stdout',
        '--simple-log',
        `--pidfile=${path.join(dir, 'turnserver.pid')}`,
        `--userdb=${path.join(dir, 'turndb')}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk) => (output += String(chunk)));
    child.stderr?.on('data', (chunk) => (output += String(chunk)));
    const server: Coturn = { port, output: () => output, stop: () => stop(child, dir) };
    if (await ready(port, child)) return server;
    await server.stop();
    if (attempt >= 2) throw new Error(`coturn did not start on 127.0.0.1:${port}:\n${output.slice(-2000)}`);
  }
}

async function ready(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      await stunBinding('127.0.0.1', port, 500);
      return true;
    } catch {
      // not listening yet
    }
  }
  return false;
}

async function stop(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A port free on 127.0.0.1 for both UDP and TCP (coturn listens on both). */
async function freePort(): Promise<number> {
  for (;;) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => resolve(udp.address().port));
    });
    udp.close();
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
}
