import { SignJWT } from 'jose';
import { sessionTokenClaims, type SessionTokenSubject } from '../domain/session-token.js';
import type { SigningKey } from './signing-key.js';

// Mints session tokens, and keeps the last one per session and page origin for a while, so the
// Client object every response carries holds a valid token without an RSA signature per request.

/** A kept token is handed out while it has at least this long to live (it lives 60 s). */
const REUSE_MIN_REMAINING_SECONDS = 30;
/** Bounds the memory of kept tokens; past it the oldest half is dropped. */
const MAX_KEPT = 10_000;

interface JwksJson {
  keys: SigningKey['publicJwk'][];
}

export class SessionTokens {
  private readonly kept = new Map<string, { jwt: string; exp: number }>();

  constructor(private readonly key: SigningKey) {}

  get publicKeyPem(): string {
    return this.key.publicPem;
  }

  jwks(): JwksJson {
    return { keys: [this.key.publicJwk] };
  }

  /** A new token, always freshly signed (what `POST .../tokens` answers). */
  async mint(subject: SessionTokenSubject, issuer: string, origin: string | undefined, now: number): Promise<string> {
    const claims = sessionTokenClaims(subject, issuer, origin, now);
    const jwt = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: this.key.kid, typ: 'JWT' })
      .sign(this.key.privateKey);
    this.keep(this.keyOf(subject, issuer, origin), jwt, claims.exp);
    return jwt;
  }

  /** A token with at least half its life left: the kept one, or a new one. */
  async current(subject: SessionTokenSubject, issuer: string, origin: string | undefined, now: number): Promise<string> {
    const kept = this.kept.get(this.keyOf(subject, issuer, origin));
    if (kept && kept.exp - now / 1000 >= REUSE_MIN_REMAINING_SECONDS) return kept.jwt;
    return this.mint(subject, issuer, origin, now);
  }

  private keyOf(subject: SessionTokenSubject, issuer: string, origin: string | undefined): string {
    return `${subject.sessionId}\n${subject.userId}\n${issuer}\n${origin ?? ''}`;
  }

  private keep(key: string, jwt: string, exp: number): void {
    if (this.kept.size >= MAX_KEPT) {
      let drop = MAX_KEPT / 2;
      for (const oldest of this.kept.keys()) {
        this.kept.delete(oldest);
        if (--drop === 0) break;
      }
    }
    this.kept.delete(key);
    this.kept.set(key, { jwt, exp });
  }
}

