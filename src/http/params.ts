import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../domain/errors.js';

// Reading form or JSON bodies the way Clerk does: booleans may arrive as "true"/"false",
// unknown fields are refused by name, and nothing of the wrong type reaches the domain. Nor does a
// NUL character: PostgreSQL's text cannot hold one (the query fails), and no id, number or name has one.

export type Body = Record<string, unknown>;

const MAX_STRING = 1024;
const NUL = '\u0000';

/** The body as a plain object with only the allowed fields; an absent body is an empty one. */
export function readBody(request: FastifyRequest, allowed: readonly string[]): Body {
  const body = request.body ?? {};
  if (typeof body !== 'object' || Array.isArray(body)) throw errors.bodyInvalid('The request body must be an object of fields.');
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw errors.paramUnknown(key.slice(0, 64));
  }
  return body as Body;
}

export function optionalString(body: Body, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw errors.paramFormatInvalid(name, `${name} must be a string.`);
  if (value.length > MAX_STRING) throw errors.paramFormatInvalid(name, `${name} is too long.`);
  if (value.includes(NUL)) throw errors.paramFormatInvalid(name, `${name} must not contain a NUL character.`);
  return value;
}

export function requiredString(body: Body, name: string): string {
  const value = optionalString(body, name);
  if (value === undefined || value.trim() === '') throw errors.paramMissing(name);
  return value;
}

export function optionalBoolean(body: Body, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw errors.paramFormatInvalid(name, `${name} must be true or false.`);
}

export function optionalInteger(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) throw errors.paramFormatInvalid(name, `${name} must be a whole number.`);
  if (number < min || number > max) throw errors.paramValueInvalid(name, `${name} must be between ${min} and ${max}.`);
  return number;
}

export function queryString(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A path parameter with a NUL character names nothing that exists: 404 before any query sees it. */
export function refuseNulInPathParams(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const params = Object.values((request.params ?? {}) as Record<string, unknown>);
    if (params.some((value) => typeof value === 'string' && value.includes(NUL))) throw errors.resourceNotFound();
  });
}
