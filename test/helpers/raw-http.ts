import { connect } from 'node:net';

// Raw HTTP over a socket, for requests fetch and undici refuse to send (no Host, NUL bytes,
// over-long headers, broken request lines).

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parse(text: string): RawReply {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = end < 0 ? '' : text.slice(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = unchunk(body);
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body };
}

function unchunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (!(size > 0)) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

/** Sends `request` as is and reads the first answer (the connection is closed after it). */
export function rawRequest(baseUrl: string, request: string | Buffer, timeoutMs = 5_000): Promise<RawReply> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const done = () => {
      socket.destroy();
      resolve(parse(Buffer.concat(chunks).toString('latin1')));
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const reply = parse(text);
      const length = Number(reply.headers['content-length']);
      if (Number.isFinite(length) && Buffer.byteLength(reply.body, 'latin1') >= length) done();
      else if (reply.headers['transfer-encoding'] === 'chunked' && text.endsWith('0\r\n\r\n')) done();
    });
    socket.on('end', done);
    socket.on('error', (error) => (chunks.length ? done() : reject(error)));
    socket.setTimeout(timeoutMs, () => { socket.destroy(); reject(new Error(`no answer within ${timeoutMs} ms`)); });
    socket.write(request);
  });
}

/**
 * Why `body` is not a ClerkErrors body ({errors: [{message, long_message, code, meta?}], clerk_trace_id}),
 * or null when it is one.
 */
export function clerkErrorsProblem(body: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not a JSON object';
  const value = parsed as { errors?: unknown; clerk_trace_id?: unknown };
  if (!Array.isArray(value.errors) || value.errors.length === 0) return 'no errors[]';
  if (typeof value.clerk_trace_id !== 'string') return 'no clerk_trace_id';
  for (const e of value.errors as { message?: unknown; long_message?: unknown; code?: unknown; meta?: unknown }[]) {
    if (typeof e !== 'object' || e === null) return 'an error that is not an object';
    if (typeof e.code !== 'string' || e.code === '') return 'an error without code';
    if (typeof e.message !== 'string' || typeof e.long_message !== 'string') return `error ${e.code} without message or long_message`;
    if (e.meta !== undefined && (typeof e.meta !== 'object' || e.meta === null || Array.isArray(e.meta))) return `error ${e.code} with a meta that is not an object`;
  }
  return null;
}

/** True when `body` is a ClerkErrors body: errors[] of {message, long_message, code} and a clerk_trace_id. */
export function isClerkErrors(body: string): boolean {
  return clerkErrorsProblem(body) === null;
}
