import pino, { type Logger } from 'pino';

// One logger for the process. Requests are logged by method and path only: query strings can carry
// dev-browser tokens, and headers carry client tokens and keys, so neither is ever written.

/** Anything shaped like an E.164 number (or a run of digits long enough to be one), masked. */
export function maskNumbers(text: string): string {
  return text.replace(/\+?\d{7,15}/g, (n) => `${n.slice(0, 2)}***${n.slice(-2)}`);
}

/**
 * Errors keep their type, message and stack, with numbers masked. Driver extras are dropped:
 * PostgreSQL's `detail` names the conflicting value (a phone number) on a unique violation.
 */
function errorSerializer(error: unknown) {
  if (!(error instanceof Error)) return { message: maskNumbers(String(error)) };
  return {
    type: error.name,
    driver_code: (error as { code?: unknown }).code,
    message: maskNumbers(error.message),
    stack: error.stack === undefined ? undefined : maskNumbers(error.stack),
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'res.headers.authorization',
        'code', 'token', 'body', 'phone_number', '*.code', '*.token', '*.phone_number'],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({ id: req.id, method: req.method, path: req.url?.split('?')[0] }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
      err: errorSerializer,
    },
  }, destination);
}
