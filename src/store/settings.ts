import type { Db } from './db.js';

/** The row that keeps the generated development secret key, in clear. */
export const DEV_SECRET_KEY_SETTING = 'dev_secret_key';

// Instance-wide values the server generates once and keeps (the development secret key, the signing key).

export async function getSetting(db: Db, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('instance_settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

/** Stores the value unless one is there already, and returns whichever won: safe when instances start together. */
export async function getOrCreateSetting(db: Db, key: string, make: () => string | Promise<string>): Promise<string> {
  const existing = await getSetting(db, key);
  if (existing !== undefined) return existing;
  await db.insertInto('instance_settings').values({ key, value: await make() })
    .onConflict((oc) => oc.column('key').doNothing()).execute();
  return (await getSetting(db, key))!;
}
