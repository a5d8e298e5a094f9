import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ClerkError } from '../domain/errors.js';
import { errors } from '../domain/errors.js';
import { clerkErrorBody } from './errors.js';
import { newRequestId } from './observe.js';
import { apiHeaders } from './response-headers.js';

// Requests Node's HTTP parser refuses before Fastify sees them (headers over 16 KiB, a NUL byte, a
// broken request line, a bad Content-Length): Node's 'clientError'. Fastify's default handler
// answers these with its own body; ours answers ClerkErrors, like every other answer. So do a
// CONNECT and an unmet Expect, which Node keeps from Fastify altogether.

/** Node's parser codes, as the Clerk error each one is. */
function clerkErrorFor(error: NodeJS.ErrnoException): ClerkError {
  if (error.code === 'HPE_HEADER_OVERFLOW') return errors.headersTooLarge();
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return errors.requestTimeout();
  return errors.bodyInvalid('The request could not be read.');
}

/** A ClerkErrors answer's body and headers, for the answers written without Fastify; the connection closes after. */
function clerkAnswer(clerkError: ClerkError): { body: string; headers: Record<string, string> } {
  // Fastify made no request for this one, so no id either: a new one, in the header and the body alike.
  const requestId = newRequestId();
  const body = JSON.stringify(clerkErrorBody(clerkError, requestId));
  const headers = {
    ...apiHeaders(requestId),
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  };
  return { body, headers };
}

/** One ClerkErrors answer written on the socket itself, then the connection is closed. */
function answerOnSocket(socket: Duplex, clerkError: ClerkError): void {
  const { body, headers } = clerkAnswer(clerkError);
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(`HTTP/1.1 ${clerkError.status} ${STATUS_CODES[clerkError.status] ?? 'Error'}\r\n${head}\r\n${body}`);
}

/** Fastify's clientErrorHandler option: one ClerkErrors answer, then the connection is closed. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  // A peer that reset or already left gets nothing: there is no one to answer.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  answerOnSocket(socket, clerkErrorFor(error));
}

/**
 * What Node answers itself, never handing it to Fastify, answered in Clerk's shape instead:
 * - CONNECT goes to the server's 'connect' listeners and, with none, the connection is closed
 *   without a word. Neither API is a proxy, so it is a route that does not exist (404).
 * - An Expect other than 100-continue goes to 'checkExpectation' and, with no listener, gets an
 *   empty 417 of Node's own.
 */
export function answerWhatNodeKeepsFromFastify(app: FastifyInstance): void {
  app.server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    answerOnSocket(socket, errors.routeNotFound());
  });
  app.server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    const clerkError = errors.expectationFailed();
    const { body, headers } = clerkAnswer(clerkError);
    response.writeHead(clerkError.status, headers).end(body);
  });
}
