import { calculateJwkThumbprint, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importJWK, importPKCS8, type JWK } from 'jose';
import { seal, unseal } from '../domain/seal.js';
import type { Db } from '../store/db.js';
import { getOrCreateSetting, getSetting } from '../store/settings.js';

// The RSA key pair that signs session tokens: given by configuration, or generated once and kept in
// the database, sealed with a key derived from the secret key (a copy of the table cannot mint tokens).

const SETTING = 'session_signing_key';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** The public key as a JWK, with kid, alg and use: what the JWKS endpoints serve. */
  publicJwk: JWK & { kid: string; alg: 'RS256'; use: 'sig' };
  /** The public key in PEM (SPKI): what `verifyToken(token, { jwtKey })` takes. */
  publicPem: string;
}

async function generatedPem(db: Db, key: Buffer): Promise<string> {
  const sealed = await getOrCreateSetting(db, SETTING, async () => {
    const pair = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    return seal(key, await exportPKCS8(pair.privateKey));
  });
  try {
    return unseal(key, sealed);
  } catch {
    throw new Error(`the session signing key in the database was sealed with another secret key: set CLERK_JWT_PRIVATE_KEY, or delete the instance_settings row "${SETTING}" to make a new one`);
  }
}

/** Whether the stored signing key opens with this seal key (undefined: none stored yet); creates nothing. */
export async function storedSigningKeyOpens(db: Db, sealKey: Buffer): Promise<boolean | undefined> {
  const sealed = await getSetting(db, SETTING);
  if (sealed === undefined) return undefined;
  try {
    unseal(sealKey, sealed);
    return true;
  } catch {
    return false;
  }
}

/** `sealKey` is the secret key's derived `signingKeySeal` (domain/keys.ts). */
export async function loadSigningKey(db: Db, sealKey: Buffer, configuredPem: string | undefined): Promise<SigningKey> {
  const pem = configuredPem ?? (await generatedPem(db, sealKey));
  const extractable = await importPKCS8(pem, 'RS256', { extractable: true });
  const { n, e } = await exportJWK(extractable);
  const publicPart: JWK = { kty: 'RSA', n: n!, e: e! };
  const kid = `ins_${await calculateJwkThumbprint(publicPart)}`;
  const publicKey = await importJWK(publicPart, 'RS256', { extractable: true }) as CryptoKey;
  return {
    kid,
    privateKey: await importPKCS8(pem, 'RS256'),
    publicJwk: { ...publicPart, kid, alg: 'RS256', use: 'sig' },
    publicPem: await exportSPKI(publicKey),
  };
}
