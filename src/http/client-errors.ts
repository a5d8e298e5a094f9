import type { Socket } from 'node:net';
import type { ClerkError } from '../domain/errors.js';
import { errors } from '../domain/errors.js';
import { clerkErrorBody } from './errors.js';
import { newRequestId } from './observe.js';
import { apiHeaders } from './response-headers.js';

// Requests Node's HTTP parser refuses before Fastify sees them (headers over 16 KiB, a NUL byte, a
// broken request line, a bad Content-Length): Node's 'clientError'. Fastify's default handler
// answers these with its own body; ours answers ClerkErrors, like every other answer.

/** Node's parser codes, as the Clerk error each one is. */
function clerkErrorFor(error: NodeJS.ErrnoException): ClerkError {
  if (error.code === 'HPE_HEADER_OVERFLOW') return errors.headersTooLarge();
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return errors.requestTimeout();
  return errors.bodyInvalid('The request could not be read.');
}

function reasonOf(status: number): string {
  return ({ 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' } as Record<number, string>)[status] ?? 'Bad Request';
}

/** Fastify's clientErrorHandler option: one ClerkErrors answer, then the connection is closed. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  // A peer that reset or already left gets nothing: there is no one to answer.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const clerkError = clerkErrorFor(error);
  // Fastify made no request for this one, so no id either: a new one, in the header and the body alike.
  const requestId = newRequestId();
  const body = JSON.stringify(clerkErrorBody(clerkError, requestId));
  const headers = {
    ...apiHeaders(requestId),
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(`HTTP/1.1 ${clerkError.status} ${reasonOf(clerkError.status)}\r\n${head}\r\n${body}`);
}
