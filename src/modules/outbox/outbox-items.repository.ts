import { sql, type SQL } from 'drizzle-orm';
import type { StoredEvent } from './cloud-event.ts';

/**
 * The outbox's events as every reader sees them (issue 14). A row holds one event, or, grouped
 * (`member_keys` set: matchmaking writes one row per session, not one per learner), one event per
 * member. Expanded here, in SQL, so the relay, the admin log and the metrics never see rows:
 *
 * - member i's event: subject `member_subjects[i]`, key `member_keys[i]`, data the row's `data`
 *   plus those two under `member_fields` (`[subjectField, keyField]`);
 * - its id: a UUID hashed from the row's id and the member's subject, so it is the same on every
 *   read (consumers deduplicate on it);
 * - an erased member is a null in both arrays (`outboxRepository.takeRowsNaming`), skipped, so the
 *   others keep their positions: a reader's cursor inside the row still means the same event;
 * - its position: (txId, seq, part), part 0 for a single event, 1.. for members. A key has at
 *   most one event per row (matchmaking places a learner once per slot), so per-key positions
 *   stay (txId, seq).
 */
export interface OutboxItem extends StoredEvent {
  /** `xid8` of the writing transaction, as decimal text. */
  txId: string;
  seq: number;
  part: number;
}

/**
 * The events of the `outbox_events` rows (alias `o`) matching `where`, one per output row, as
 * columns `seq`, `tx_id` (xid8), `part`, `id`, `type`, `source`, `subject`, `time`, `key`, `data`,
 * unordered: the caller orders by (tx_id, seq, part).
 */
export function outboxItems(where: SQL): SQL {
  return sql`
    select o.seq, o.tx_id, coalesce(m.part, 0)::int as part,
           coalesce(md5(o.id || ':' || m.subject)::uuid::text, o.id) as id,
           o.type, o.source, coalesce(m.subject, o.subject) as subject, o.time, coalesce(m.key, o.key) as key,
           case when m.part is null then o.data
                else o.data || jsonb_build_object(o.member_fields[1], m.subject, o.member_fields[2], m.key) end as data
    from outbox_events o
    left join lateral (select u.* from unnest(o.member_subjects, o.member_keys) with ordinality as u(subject, key, part)
                       where u.key is not null) m on true
    where ${where}`;
}

/** The columns to select from `outboxItems` (aliased `e`) for `toItem`, text where drivers differ. */
export const itemColumns = sql`e.seq::text as seq, e.tx_id::text as tx_id, e.part, e.id, e.type, e.source, e.subject,
  (extract(epoch from e.time) * 1000)::float8 as time_ms, e.key, e.data`;

/** A raw row of `itemColumns`, as either driver returns it. */
export interface RawItem {
  seq: string;
  tx_id: string;
  part: number;
  id: string;
  type: string;
  source: string;
  subject: string | null;
  /** ms since the epoch, with the microseconds PostgreSQL keeps as a fraction. */
  time_ms: number | string;
  key: string;
  data: unknown;
}

/** Maps a raw row of `itemColumns` to an item (`time_ms` to a Date, `data` parsed if it came as text). */
export function toItem(r: RawItem): OutboxItem {
  return {
    seq: Number(r.seq),
    txId: r.tx_id,
    part: Number(r.part),
    id: r.id,
    type: r.type,
    source: r.source,
    subject: r.subject,
    time: new Date(Math.floor(Number(r.time_ms))),
    key: r.key,
    data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data,
  };
}
