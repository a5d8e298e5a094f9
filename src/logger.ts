import pino, { type Logger } from 'pino';

// One logger for the process. Requests are logged by method and path only: query strings can carry
// dev-browser tokens, and headers carry client tokens and keys, so neither is ever written.

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
    },
  }, destination);
}
