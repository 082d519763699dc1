// Column types both schemas agree on: epoch milliseconds and ids as bigint read as JS numbers
// (they stay far below 2^53), binary as bytea.
import { bigint, customType } from 'drizzle-orm/pg-core';

export const epochMs = (name: string) => bigint(name, { mode: 'number' });
export const id = (name: string) => bigint(name, { mode: 'number' });

export const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });
