// What a session token says: Clerk's session-token claims (version 2), computed without I/O.

/** Clerk's session tokens live one minute; the SDKs fetch a new one before it runs out. */
const SESSION_TOKEN_LIFETIME_SECONDS = 60;
/** nbf is set a little in the past, so a verifier whose clock runs slightly behind still accepts a fresh token. */
const NOT_BEFORE_SKEW_SECONDS = 10;

export interface SessionTokenSubject {
  sessionId: string;
  userId: string;
  /** When the session started (ms): the first factor was verified then. */
  sessionCreatedAt: number;
}

export interface SessionTokenClaims {
  /** The user. */
  sub: string;
  /** The session. */
  sid: string;
  /** The Frontend API URL that issued the token. */
  iss: string;
  /** The origin of the page that asked for it, when a browser asked. */
  azp?: string;
  iat: number;
  nbf: number;
  exp: number;
  /** Claims format version. */
  v: 2;
  /** Minutes since the first and second factor were verified; -1 when never. */
  fva: [number, number];
  sts: 'active';
}

export function sessionTokenClaims(subject: SessionTokenSubject, issuer: string, origin: string | undefined, now: number): SessionTokenClaims {
  const iat = Math.floor(now / 1000);
  const minutesSinceSignIn = Math.max(0, Math.floor((now - subject.sessionCreatedAt) / 60_000));
  return {
    sub: subject.userId,
    sid: subject.sessionId,
    iss: issuer,
    ...(origin ? { azp: origin } : {}),
    iat,
    nbf: iat - NOT_BEFORE_SKEW_SECONDS,
    exp: iat + SESSION_TOKEN_LIFETIME_SECONDS,
    v: 2,
    fva: [minutesSinceSignIn, -1],
    sts: 'active',
  };
}
