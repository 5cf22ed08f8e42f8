import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { rowsOf } from '../../db/locks.ts';

/**
 * SQL of matchmaking's placements (issue 14): a sweep places 100,000 registrations, and on the
 * embedded database carrying them to JavaScript and back as parameters cost more than writing
 * them. So the registrations stay in the database: `stage` ranks a batch's `registered`
 * registrations into a temporary table (dropped at commit), matchmaking sends back only the
 * groups (a few per slot), `place` puts each registration in its group, and the writes of the
 * other modules select from the placements.
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
   * Ranks the `registered` registrations of `slotIds` per slot, oldest first (first registered,
   * first matched; `seq` breaks ties), into the transaction's `matchmaking_ranked` table.
   * @returns how many each slot has (slots without any are absent).
   */
  async stage(db: Executor, slotIds: readonly string[]): Promise<Map<string, number>> {
    await db.execute(sql`
      create temporary table matchmaking_ranked on commit drop as
      select id as registration_id, time_slot_id, user_id, display_name,
             (row_number() over (partition by time_slot_id order by registered_at, seq) - 1)::int as rank
      from registrations
      where time_slot_id = any(${sql.param([...slotIds])}::text[]) and status = 'registered'`);
    const counts = rowsOf<{ time_slot_id: string; n: number }>(
      await db.execute(sql`select time_slot_id, count(*)::int as n from matchmaking_ranked group by time_slot_id`),
    );
    return new Map(counts.map((c) => [c.time_slot_id, c.n]));
  },

  /**
   * Places the staged registrations in `groups` (the transaction's `matchmaking_placed` table),
   * once: four statements read the placements.
   * @returns the select of them (see `Placements`).
   */
  async place(db: Executor, groups: readonly GroupRange[]): Promise<Placements> {
    const col = <K extends keyof GroupRange>(k: K) => sql.param(groups.map((g) => g[k]));
    // Each range unrolled into its ranks joins the staged rows on equality: a range condition
    // made a merge join filtering every pair of a slot's rows, twice as slow.
    await db.execute(sql`
      create temporary table matchmaking_placed on commit drop as
      select r.registration_id, r.time_slot_id, r.user_id, r.display_name, g.session_id, g.rank - g.first_rank as position
      from (select g.*, generate_series(g.first_rank, g.first_rank + g.size - 1) as rank
            from unnest(${col('timeSlotId')}::text[], ${col('sessionId')}::text[], ${col('firstRank')}::int[], ${col('size')}::int[])
                 as g(time_slot_id, session_id, first_rank, size)) g
      join matchmaking_ranked r on r.time_slot_id = g.time_slot_id and r.rank = g.rank`);
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
   * `registration.matched` of each placed registration, as rows for the outbox (`type`, `subject`,
   * `key`, `time`, `data`). The data is the one
   * `registrationMatched` (registrations.events.ts) builds, made here so that 100,000 events need
   * not cross into JavaScript; a test compares the two.
   * @param joinWindowMs how long before the start the waiting room opens (ms).
   */
  matchedEvents(placements: Placements, joinWindowMs: number, now: Date): SQL {
    const iso = (t: SQL) => sql`to_char((${t}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    // The slot's part once per slot, not per registration. No `order by`: each learner (the
    // events' key) has one event in the batch, so their order in it says nothing; sorting the
    // built rows spilled to disk (a third of the statement).
    // `materialized`: a plain subquery is pulled up, and the slot's part built again per row.
    return sql`
      with s as materialized (
        select id,
               jsonb_build_object(
                 'startTime', ${iso(sql`start_time`)},
                 'endTime', ${iso(sql`start_time + make_interval(mins => duration_minutes)`)},
                 'durationMinutes', duration_minutes, 'targetLanguageCode', target_language_code, 'level', level) as slot,
               ${iso(sql`start_time - make_interval(secs => ${joinWindowMs / 1000}::double precision)`)} as join_opens_at
        from time_slots where id in (select distinct time_slot_id from (${placements}) q))
      select 'registration.matched' as type, p.registration_id as subject, p.user_id as key, ${now.toISOString()}::timestamptz as time,
             jsonb_build_object('registrationId', p.registration_id, 'userId', p.user_id, 'timeSlotId', p.time_slot_id,
                                'slot', s.slot, 'sessionId', p.session_id, 'joinOpensAt', s.join_opens_at) as data
      from (${placements}) p join s on s.id = p.time_slot_id`;
  },
};
