import { z } from 'zod';

/** A UUID of any version, lower-case, as the client's `uuid.v7()` makes them. */
export const Uuid = z.uuid();
export type Uuid = z.infer<typeof Uuid>;

/** ISO 8601 timestamp in UTC with milliseconds, as `Date.prototype.toISOString` makes. */
export const Timestamp = z.iso.datetime({ offset: false });
export type Timestamp = z.infer<typeof Timestamp>;
