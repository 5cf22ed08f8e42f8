import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { rowsOf } from '../../db/locks.ts';
import type { GroupedEventsQuery } from '../outbox/outbox.service.ts';

/**
 * SQL of matchmaking's placements (issue 14): a sweep places 100,000 registrations, and on the
 * embedded database carrying them to JavaScript and back as parameters cost more than writing
 * them. So the registrations stay in the database: `count` says how many `registered` ones each
 * slot of a batch has, matchmaking sends back only the groups (a few per slot) as rank ranges,
 * `place` ranks the registrations and puts each in its group (a temporary table dropped at
 * commit), and the writes of the other modules select from the placements.
 */

/** One session of a slot, as ranks of its registrations: `firstRank` (0-based) .. `firstRank + size - 1`. */
export interface GroupRange {
  timeSlotId: string;
  sessionId: string;
  firstRank: number;
  size: number;
}

/**
 * A select of the placed registrations (`place`), for another module's statement to read from
 * (`from (${placements}) p`). Columns: `registration_id`, `time_slot_id`, `user_id`, `display_name`,
 * `session_id`, `position` (0-based, in registration order: 0 is the group's first registrant,
 * its host). Valid inside the transaction that staged the batch.
 */
export type Placements = SQL;

export const placementsRepository = {
  /**
   * How many `registered` registrations each of `slotIds` has (slots without any are absent).
   * Matchmaking's claim holds the slots' row locks, which every registration change takes too,
   * so `place` ranks the same registrations later in the transaction.
   */
  async count(db: Executor, slotIds: readonly string[]): Promise<Map<string, number>> {
    const counts = rowsOf<{ time_slot_id: string; n: number }>(
      await db.execute(sql`select time_slot_id, count(*)::int as n from registrations
        where time_slot_id = any(${sql.param([...slotIds])}::text[]) and status = 'registered' group by time_slot_id`),
    );
    return new Map(counts.map((c) => [c.time_slot_id, c.n]));
  },

  /**
   * Ranks the `registered` registrations of the groups' slots per slot, oldest first (first
   * registered, first matched; `seq` breaks ties), and places them in `groups` (the
   * transaction's `matchmaking_placed` table), once: four statements read the placements. Ranking
   * here rather than into a table of its own at `count` saved writing 10,000 rows a batch.
   * @returns the select of them (see `Placements`).
   */
  async place(db: Executor, groups: readonly GroupRange[]): Promise<Placements> {
    const col = <K extends keyof GroupRange>(k: K) => sql.param(groups.map((g) => g[k]));
    // Each range unrolled into its ranks joins the ranked rows on equality: a range condition
    // made a merge join filtering every pair of a slot's rows, twice as slow.
    await db.execute(sql`
      create temporary table matchmaking_placed on commit drop as
      select r.registration_id, r.time_slot_id, r.user_id, r.display_name, g.session_id, g.rank - g.first_rank as position
      from (select g.*, generate_series(g.first_rank, g.first_rank + g.size - 1) as rank
            from unnest(${col('timeSlotId')}::text[], ${col('sessionId')}::text[], ${col('firstRank')}::int[], ${col('size')}::int[])
                 as g(time_slot_id, session_id, first_rank, size)) g
      join (select id as registration_id, time_slot_id, user_id, display_name,
                   (row_number() over (partition by time_slot_id order by registered_at, seq) - 1)::int as rank
            from registrations
            where time_slot_id = any(${sql.param([...new Set(groups.map((g) => g.timeSlotId))])}::text[]) and status = 'registered') r
        on r.time_slot_id = g.time_slot_id and r.rank = g.rank`);
    return sql`select registration_id, time_slot_id, user_id, display_name, session_id, position from matchmaking_placed`;
  },

  /** Sets each placed registration's session. `slotIds` keeps the plan on the slot index without statistics (PGlite). */
  async assignSessions(db: Executor, slotIds: readonly string[], placements: Placements): Promise<void> {
    await db.execute(sql`
      update registrations set session_id = p.session_id, unmatched_reason = null
      from (${placements}) p
      where registrations.time_slot_id = any(${sql.param([...slotIds])}::text[]) and registrations.id = p.registration_id`);
  },

  /**
   * `registration.matched` of each placed registration, grouped per session for the outbox
   * (`GroupedEventsQuery`: `type`, `group_id`, `time`, `data`, `subjects`, `keys`): the data of
   * the session's members differ only in `registrationId` (the subject) and `userId` (the key),
   * so a session's events are one row and 100,000 of them never cross into JavaScript. The data
   * is the one `registrationMatched` (registrations.events.ts) builds; a test compares the two.
   * @param joinWindowMs how long before the start the waiting room opens (ms).
   */
  matchedEvents(placements: Placements, joinWindowMs: number, now: Date): GroupedEventsQuery {
    const iso = (t: SQL) => sql`to_char((${t}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    // The slot's part once per slot, not per session. `materialized`: a plain subquery is pulled
    // up, and the slot's part built again per row.
    const query = sql`
      with s as materialized (
        select id,
               jsonb_build_object(
                 'startTime', ${iso(sql`start_time`)},
                 'endTime', ${iso(sql`start_time + make_interval(mins => duration_minutes)`)},
                 'durationMinutes', duration_minutes, 'targetLanguageCode', target_language_code, 'level', level) as slot,
               ${iso(sql`start_time - make_interval(secs => ${joinWindowMs / 1000}::double precision)`)} as join_opens_at
        from time_slots where id in (select distinct time_slot_id from (${placements}) q))
      select 'registration.matched' as type, g.session_id as group_id, ${now.toISOString()}::timestamptz as time,
             jsonb_build_object('timeSlotId', s.id, 'slot', s.slot, 'sessionId', g.session_id, 'joinOpensAt', s.join_opens_at) as data,
             g.subjects, g.keys
      from (select p.session_id, min(p.time_slot_id) as time_slot_id,
                   array_agg(p.registration_id order by p.position) as subjects, array_agg(p.user_id order by p.position) as keys
            from (${placements}) p group by p.session_id) g
      join s on s.id = g.time_slot_id`;
    return { query, subjectField: 'registrationId', keyField: 'userId' };
  },
};
