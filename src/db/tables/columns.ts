import { customType, timestamp } from 'drizzle-orm/pg-core';

/** `timestamptz` read and written as a `Date` (UTC). */
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** PostgreSQL's 64-bit transaction id (`xid8`), read and written as its decimal text. */
export const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });
