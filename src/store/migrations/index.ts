import type { Migration } from 'kysely';
import * as initial from './001-initial.js';
import * as binaryIdOrder from './002-binary-id-order.js';
import * as orderedIndexes from './003-ordered-indexes.js';
import * as signIn from './004-sign-in.js';
import * as webhooks from './005-webhooks.js';

// Migrations listed in code rather than read from disk, so the compiled server needs no file lookups.
export const migrations: Record<string, Migration> = {
  '001-initial': initial,
  '002-binary-id-order': binaryIdOrder,
  '003-ordered-indexes': orderedIndexes,
  '004-sign-in': signIn,
  '005-webhooks': webhooks,
};
