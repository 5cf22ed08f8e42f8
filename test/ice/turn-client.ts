import crypto from 'node:crypto';
import dgram from 'node:dgram';

/**
 * A minimal STUN/TURN client over UDP (RFC 5389 / RFC 5766), enough to ask a real TURN server
 * for a relay allocation with the long-term credential mechanism: an unauthenticated Allocate
 * earns a 401 with REALM and NONCE, the second Allocate carries USERNAME, REALM, NONCE and
 * MESSAGE-INTEGRITY keyed with MD5(username:realm:password). The server answers an Allocate
 * success with the relayed address, or an error code (401 when the credentials are refused).
 */
const MAGIC_COOKIE = 0x2112a442;
const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  lifetime: 0x000d,
} as const;
const TYPE = {
  bindingRequest: 0x0001,
  bindingSuccess: 0x0101,
  allocateRequest: 0x0003,
  allocateSuccess: 0x0103,
  allocateError: 0x0113,
  refreshRequest: 0x0004,
} as const;

interface Parsed {
  type: number;
  transactionId: Buffer;
  attributes: Map<number, Buffer>;
}

/** The outcome of an Allocate: the relayed transport address, or the server's error code. */
export type AllocateOutcome = { ok: true; relayed: { address: string; port: number } } | { ok: false; errorCode: number; reason: string };

function encode(type: number, transactionId: Buffer, attributes: [number, Buffer][], integrityKey?: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const [attrType, value] of attributes) {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(attrType, 0);
    head.writeUInt16BE(value.length, 2);
    parts.push(head, value, Buffer.alloc((4 - (value.length % 4)) % 4));
  }
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(body.length + (integrityKey ? 24 : 0), 2);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  if (!integrityKey) return Buffer.concat([header, body]);
  const hmac = crypto.createHmac('sha1', integrityKey).update(Buffer.concat([header, body])).digest();
  const miHead = Buffer.alloc(4);
  miHead.writeUInt16BE(ATTR.messageIntegrity, 0);
  miHead.writeUInt16BE(20, 2);
  return Buffer.concat([header, body, miHead, hmac]);
}

function decode(message: Buffer): Parsed {
  const type = message.readUInt16BE(0);
  const length = message.readUInt16BE(2);
  const attributes = new Map<number, Buffer>();
  let offset = 20;
  while (offset + 4 <= 20 + length) {
    const attrType = message.readUInt16BE(offset);
    const attrLength = message.readUInt16BE(offset + 2);
    attributes.set(attrType, message.subarray(offset + 4, offset + 4 + attrLength));
    offset += 4 + attrLength + ((4 - (attrLength % 4)) % 4);
  }
  return { type, transactionId: message.subarray(8, 20), attributes };
}

/** One UDP socket (one 5-tuple: coturn binds its nonce to it) for a sequence of transactions. */
class Transport {
  private readonly socket = dgram.createSocket('udp4');
  private readonly pending = new Map<string, (parsed: Parsed) => void>();

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.socket.on('message', (msg) => {
      if (msg.length < 20) return;
      const key = msg.subarray(8, 20).toString('hex');
      const resolve = this.pending.get(key);
      if (!resolve) return;
      this.pending.delete(key);
      resolve(decode(msg));
    });
  }

  /** Sends `request` and resolves with the response of its transaction (retransmits; times out). */
  exchange(request: Buffer, timeoutMs: number): Promise<Parsed> {
    const key = request.subarray(8, 20).toString('hex');
    return new Promise<Parsed>((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      const finish = () => {
        timers.forEach(clearTimeout);
        this.pending.delete(key);
      };
      this.pending.set(key, (parsed) => {
        finish();
        resolve(parsed);
      });
      const send = () => this.socket.send(request, this.port, this.host);
      send();
      for (let delay = 250; delay < timeoutMs; delay *= 2) timers.push(setTimeout(send, delay));
      timers.push(
        setTimeout(() => {
          finish();
          reject(new Error(`no STUN answer from ${this.host}:${this.port} within ${timeoutMs} ms`));
        }, timeoutMs),
      );
    });
  }

  close(): void {
    this.socket.close();
  }
}

function errorOf(parsed: Parsed): { errorCode: number; reason: string } {
  const value = parsed.attributes.get(ATTR.errorCode);
  if (!value) return { errorCode: 0, reason: `unexpected message type 0x${parsed.type.toString(16)}` };
  return { errorCode: (value[2] & 0x07) * 100 + value[3], reason: value.subarray(4).toString('utf8') };
}

/** A STUN Binding request: resolves once the server answers (readiness probe). */
export async function stunBinding(host: string, port: number, timeoutMs = 1_000): Promise<void> {
  const transport = new Transport(host, port);
  try {
    const response = await transport.exchange(encode(TYPE.bindingRequest, crypto.randomBytes(12), []), timeoutMs);
    if (response.type !== TYPE.bindingSuccess) throw new Error(`STUN Binding failed: 0x${response.type.toString(16)}`);
  } finally {
    transport.close();
  }
}

/**
 * Asks the TURN server at `host:port` (UDP) for a UDP relay with long-term credentials, then
 * releases it (Refresh with lifetime 0) when granted.
 */
export async function turnAllocate(opts: { host: string; port: number; username: string; password: string; timeoutMs?: number }): Promise<AllocateOutcome> {
  const net = new Transport(opts.host, opts.port);
  try {
    return await allocateOver(net, opts);
  } finally {
    net.close();
  }
}

async function allocateOver(net: Transport, opts: { username: string; password: string; timeoutMs?: number }): Promise<AllocateOutcome> {
  const timeoutMs = opts.timeoutMs ?? 3_000;
  const transport: [number, Buffer] = [ATTR.requestedTransport, Buffer.from([17, 0, 0, 0])];
  const challenge = await net.exchange(encode(TYPE.allocateRequest, crypto.randomBytes(12), [transport]), timeoutMs);
  const realm = challenge.attributes.get(ATTR.realm);
  const nonce = challenge.attributes.get(ATTR.nonce);
  if (challenge.type !== TYPE.allocateError || errorOf(challenge).errorCode !== 401 || !realm || !nonce) {
    throw new Error(`expected a 401 challenge with realm and nonce, got 0x${challenge.type.toString(16)} ${JSON.stringify(errorOf(challenge))}`);
  }
  const key = crypto.createHash('md5').update(`${opts.username}:${realm.toString('utf8')}:${opts.password}`).digest();
  const auth: [number, Buffer][] = [
    [ATTR.username, Buffer.from(opts.username, 'utf8')],
    [ATTR.realm, realm],
    [ATTR.nonce, nonce],
  ];
  const response = await net.exchange(encode(TYPE.allocateRequest, crypto.randomBytes(12), [transport, ...auth], key), timeoutMs);
  if (response.type !== TYPE.allocateSuccess) return { ok: false, ...errorOf(response) };
  const xor = response.attributes.get(ATTR.xorRelayedAddress);
  if (!xor) throw new Error('Allocate success without XOR-RELAYED-ADDRESS');
  const port = xor.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const address = (xor.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
  const relayed = { address: [24, 16, 8, 0].map((shift) => (address >>> shift) & 0xff).join('.'), port };
  // Release the allocation (best effort; the same credentials authorise the refresh).
  const lifetimeZero: [number, Buffer] = [ATTR.lifetime, Buffer.alloc(4)];
  await net.exchange(encode(TYPE.refreshRequest, crypto.randomBytes(12), [lifetimeZero, ...auth], key), timeoutMs).catch(() => undefined);
  return { ok: true, relayed };
}
