import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../../../shared/clock.ts';
import { CLOUDEVENTS_JSON } from '../cloud-event.ts';
import { sinkError, type EventSink, type KeyBatch, type KeyOutcome, type SinkError } from '../event-sink.ts';

/** Per request (DESIGN 4.8 / issue 10: a 5 s timeout). */
export const WEBHOOK_TIMEOUT_MS = 5_000;
/** Keys delivered at once to one endpoint (each key's events one after the other). */
const CONCURRENT_KEYS = 8;

/**
 * A Standard Webhooks endpoint as an event sink (DESIGN 4.8): one POST per event, body = the
 * CloudEvent JSON, headers `webhook-id` (= the event id), `webhook-timestamp` (Unix seconds) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256>` with the `whsec_` secret), signed with the
 * `standardwebhooks` reference library. No redirects followed; 5 s per request. A 2xx delivers;
 * a 4xx other than 408/429 means the endpoint refuses this event (poison); anything else is retried.
 */
export class WebhookSink implements EventSink {
  readonly name: string;
  readonly description: string;
  private readonly webhook: Webhook;

  constructor(
    private readonly url: string,
    secret: string,
    private readonly clock: Clock,
    private readonly timeoutMs = WEBHOOK_TIMEOUT_MS,
  ) {
    // The stored name must not hold the URL (it may carry a token in its query); a digest is stable.
    this.name = `webhook:${crypto.createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
    this.description = `webhook ${new URL(url).host}`;
    this.webhook = new Webhook(secret);
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async publish(batches: readonly KeyBatch[]): Promise<KeyOutcome[]> {
    const outcomes: KeyOutcome[] = new Array(batches.length);
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const i = next++;
        outcomes[i] = await this.deliverKey(batches[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_KEYS, batches.length) }, worker));
    return outcomes;
  }

  private async deliverKey(batch: KeyBatch): Promise<KeyOutcome> {
    for (let i = 0; i < batch.events.length; i++) {
      const error = await this.post(batch.events[i]);
      if (error) return { key: batch.key, delivered: i, error };
    }
    return { key: batch.key, delivered: batch.events.length };
  }

  /** POSTs one event. @returns the failure, or null once the endpoint answered 2xx. */
  private async post(event: KeyBatch['events'][number]): Promise<SinkError | null> {
    const body = JSON.stringify(event);
    const timestamp = this.clock.now();
    const headers = {
      'content-type': CLOUDEVENTS_JSON,
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': this.webhook.sign(event.id, timestamp, body),
    };
    try {
      const res = await fetch(this.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return null;
      const poison = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
      return { message: `${this.description} answered ${res.status}${res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : ''}`, poison };
    } catch (err) {
      // fetch's messages can name the URL, query included: keep only the kind of failure.
      const kind = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : 'unreachable';
      return sinkError(new Error(`${this.description}: ${kind}`));
    }
  }
}
