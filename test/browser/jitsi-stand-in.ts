/**
 * A LOCAL STAND-IN of the Jitsi IFrame API (`external_api.js`) served on 127.0.0.1 as JITSI_URL
 * (no Jitsi server can be reached from these machines): a `JitsiMeetExternalAPI` class that records
 * the options the page gave it (domain, room name, jwt, config) and the commands it sent, and
 * announces `videoConferenceJoined`. The browser tests of live courses assert on those records.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const STAND_IN = `
window.JitsiMeetExternalAPI = class {
  constructor(domain, options) {
    this.listeners = {};
    this.record = { domain, roomName: options.roomName, jwt: options.jwt, configOverwrite: options.configOverwrite,
      interfaceConfigOverwrite: options.interfaceConfigOverwrite, userInfo: options.userInfo, commands: [], disposed: false };
    window.__jitsiStandIn = this.record;
    this.frame = document.createElement('div');
    this.frame.setAttribute('data-testid', 'jitsi-stand-in');
    this.frame.textContent = 'Jitsi stand-in: ' + options.roomName;
    options.parentNode.appendChild(this.frame);
    setTimeout(() => this.emit('videoConferenceJoined', { roomName: options.roomName }), 0);
  }
  addListener(event, fn) { (this.listeners[event] = this.listeners[event] || []).push(fn); }
  emit(event, payload) { for (const fn of this.listeners[event] || []) fn(payload); }
  executeCommand(name, ...args) {
    this.record.commands.push([name, ...args]);
    if (name === 'toggleAudio') { this.muted = !this.muted; this.emit('audioMuteStatusChanged', { muted: this.muted }); }
  }
  dispose() { this.record.disposed = true; this.frame.remove(); }
};`;

/** Serves the stand-in `external_api.js`. @returns its base URL (JITSI_URL) and a close function. */
export async function startStandIn(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/external_api.js') {
      res.writeHead(200, { 'content-type': 'application/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(STAND_IN);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

