// Clerk's error vocabulary as values: each failure the API can answer with, named once.
// Routes throw these; the HTTP error plugin turns them into a ClerkErrors body.

export interface ClerkErrorJson {
  message: string;
  long_message: string;
  code: string;
  meta?: { param_name?: string; [key: string]: unknown };
}

export class ClerkError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly shortMessage: string,
    readonly longMessage: string,
    readonly meta: ClerkErrorJson['meta'] = undefined,
    /** Seconds, sent as the Retry-After header on 429. */
    readonly retryAfterSeconds: number | undefined = undefined,
  ) {
    super(longMessage);
    this.name = 'ClerkError';
  }

  toJSON(): ClerkErrorJson {
    const json: ClerkErrorJson = { message: this.shortMessage, long_message: this.longMessage, code: this.code };
    if (this.meta) json.meta = this.meta;
    return json;
  }
}

const param = (name: string) => ({ param_name: name });

export const errors = {
  signedOut: () => new ClerkError(401, 'signed_out', 'Signed out', 'You are signed out.'),
  authenticationInvalid: () =>
    new ClerkError(401, 'authentication_invalid', 'Invalid authentication', 'The request could not be authenticated.'),
  resourceNotFound: () =>
    new ClerkError(404, 'resource_not_found', 'not found', 'The requested resource was not found.'),
  routeNotFound: () =>
    new ClerkError(404, 'resource_not_found', 'not found', 'No route matches this method and path.'),
  paramMissing: (name: string) =>
    new ClerkError(422, 'form_param_missing', 'is missing', `${name} must be included.`, param(name)),
  paramFormatInvalid: (name: string, why: string) =>
    new ClerkError(422, 'form_param_format_invalid', 'is invalid', why, param(name)),
  paramValueInvalid: (name: string, why: string) =>
    new ClerkError(422, 'form_param_value_invalid', 'is invalid', why, param(name)),
  paramUnknown: (name: string) =>
    new ClerkError(422, 'form_param_unknown', 'is unknown', `${name} is not a recognized parameter.`, param(name)),
  identifierExists: (name = 'phone_number') =>
    new ClerkError(422, 'form_identifier_exists', 'That phone number is taken. Please try another.',
      'That phone number is taken. Please try another.', param(name)),
  codeIncorrect: () =>
    new ClerkError(422, 'form_code_incorrect', 'is incorrect', 'Incorrect code', param('code')),
  verificationExpired: () =>
    new ClerkError(422, 'verification_expired', 'expired', 'This verification has expired. You must create a new one.'),
  verificationFailed: () =>
    new ClerkError(422, 'verification_failed', 'failed',
      'Too many failed attempts. You have to try again with the same or another method.'),
  verificationMissing: () =>
    new ClerkError(400, 'verification_missing', 'missing',
      'There is no verification in progress for this phone number. Prepare one first.'),
  alreadyVerified: () =>
    new ClerkError(400, 'verification_already_verified', 'already verified',
      'This verification has already been verified.'),
  tooManyRequests: (retryAfterSeconds: number) =>
    new ClerkError(429, 'too_many_requests', 'Too many requests',
      'Too many requests, please try again later.', undefined, Math.max(1, Math.ceil(retryAfterSeconds))),
  identifierNotFound: () =>
    new ClerkError(422, 'form_identifier_not_found', "Couldn't find your account.", "Couldn't find your account.", param('identifier')),
  strategyForUserInvalid: () =>
    new ClerkError(400, 'strategy_for_user_invalid', 'Invalid verification strategy',
      'The verification strategy is not valid for this account.', param('strategy')),
  /** Null seconds: locked until an operator unlocks the account through the Backend API. */
  userLocked: (expiresInSeconds: number | null) =>
    new ClerkError(403, 'user_locked', 'Account locked',
      expiresInSeconds === null
        ? 'Your account is locked. Please contact support to unlock it.'
        : `Your account is locked. You will be able to try again in ${Math.max(1, Math.ceil(expiresInSeconds / 60))} minutes. For more information, please contact support.`,
      { lockout_expires_in_seconds: expiresInSeconds }),
  secondFactorRequired: () =>
    new ClerkError(400, 'second_factor_required', 'two-step verification is off',
      'Backup codes exist only while a second factor is on: reserve a verified phone number for it first.'),
  signInNotReady: (status: string) =>
    new ClerkError(400, 'sign_in_status_invalid', 'invalid sign-in status',
      `This step cannot be taken while the sign-in is ${status}.`),
  signUpNotReady: (why: string) =>
    new ClerkError(400, 'sign_up_status_invalid', 'invalid sign-up status', why),
  ticketInvalid: () =>
    new ClerkError(422, 'ticket_invalid', 'is invalid', 'The ticket is invalid, expired or already used.', param('ticket')),
  bodyInvalid: (why: string) =>
    new ClerkError(400, 'malformed_request', 'malformed request', why),
  bodyTooLarge: () =>
    new ClerkError(413, 'request_body_too_large', 'request body too large', 'The request body is too large.'),
  headersTooLarge: () =>
    new ClerkError(431, 'request_headers_too_large', 'request headers too large', 'The request headers are too large.'),
  requestTimeout: () =>
    new ClerkError(408, 'request_timeout', 'request timeout', 'The request was not received in time.'),
  expectationFailed: () =>
    new ClerkError(417, 'expectation_failed', 'expectation failed', 'The Expect header asks for something this server does not do.'),
  unsupportedMediaType: () =>
    new ClerkError(415, 'unsupported_media_type', 'unsupported media type',
      'Send application/x-www-form-urlencoded or application/json.'),
  hostInvalid: () =>
    new ClerkError(403, 'host_invalid', 'invalid host',
      'A development instance answers only for this machine (localhost) and its PUBLIC_URL host.'),
  originInvalid: () =>
    new ClerkError(403, 'origin_invalid', 'invalid origin', 'This origin is not allowed to make this request.'),
  secretKeyInvalid: () =>
    new ClerkError(401, 'authentication_invalid', 'Unauthorized', 'The secret key is missing or invalid.'),
  metricsTokenInvalid: (why: string) =>
    new ClerkError(401, 'authentication_invalid', 'Unauthorized', why),
  serviceUnavailable: (why: string) =>
    new ClerkError(503, 'service_unavailable', 'service unavailable', why),
  internal: () =>
    new ClerkError(500, 'internal_clerk_error', 'Oops, an unexpected error occurred',
      'There was an internal error on our servers. We have been notified and are working on fixing it.'),
} as const;
