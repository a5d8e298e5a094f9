import { unseal } from '../domain/seal.js';
import type { Db } from '../store/db.js';
import type { SmsMessageRow } from '../store/schema.js';
import { listSms } from '../store/sms-messages.js';

// The development inbox: what the dev provider "sent", newest first, with the sealed text opened.
// One reader for the Backend API route, the browser inbox page and the CLI.

export interface InboxMessage {
  row: SmsMessageRow;
  body: string;
}

export async function readDevInbox(db: Db, sealKey: Buffer, query: { to?: string | undefined; limit: number }): Promise<InboxMessage[]> {
  const rows = await listSms(db, { to: query.to, provider: 'dev', limit: query.limit });
  return rows.map((row) => ({ row, body: unseal(sealKey, row.body_sealed) }));
}
