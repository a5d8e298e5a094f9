import type { IncomingMessage } from 'node:http';

// Clerk's `_method` override: a POST with ?_method=PATCH|PUT|DELETE is handled as that method.
// It must happen before routing, so it runs on the raw request, ahead of Fastify.

const OVERRIDABLE = new Set(['PATCH', 'PUT', 'DELETE']);

export function applyMethodOverride(req: IncomingMessage): void {
  if (req.method !== 'POST' || !req.url || !req.url.includes('_method=')) return;
  const query = req.url.slice(req.url.indexOf('?') + 1);
  const wanted = new URLSearchParams(query).get('_method')?.toUpperCase();
  if (wanted && OVERRIDABLE.has(wanted)) req.method = wanted;
}
