import { z } from 'zod';

// The shape of a Naftiko capability file, as far as this runner honours it. Unknown fields are
// refused rather than ignored: a field the runner skipped would make it run something other than the file says.

const PARAMETER_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array'] as const;
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const name = z.string().min(1, 'must not be empty');

export const inputParameterSchema = z.object({
  name,
  in: z.enum(['path', 'query', 'body']),
  type: z.enum(PARAMETER_TYPES),
  description: z.string().optional(),
  required: z.boolean().optional(),
}).strict();

export const outputParameterSchema = z.object({
  name,
  type: z.enum(PARAMETER_TYPES),
  value: z.string().regex(/^\$(\.|(\.[A-Za-z_][\w-]*)+)$/, 'expected a JSONPath such as "$." (the whole answer) or "$.response.id"'),
}).strict();

export const operationSchema = z.object({
  name,
  method: z.enum(HTTP_METHODS),
  description: z.string().optional(),
  outputRawFormat: z.literal('json').optional(),
  outputParameters: z.array(outputParameterSchema).optional(),
  inputParameters: z.array(inputParameterSchema).optional(),
}).strict();

export const resourceSchema = z.object({
  name,
  path: z.string().regex(/^\//, 'expected a path starting with "/"'),
  description: z.string().optional(),
  operations: z.array(operationSchema).min(1, 'expected at least one operation'),
}).strict();

export const consumesSchema = z.object({
  type: z.literal('http'),
  namespace: name,
  /** Empty means "not fixed here": the caller or a bound publishable key supplies it. */
  baseUri: z.string(),
  description: z.string().optional(),
  resources: z.array(resourceSchema).min(1, 'expected at least one resource'),
}).strict();

export const capabilityFileSchema = z.object({
  naftiko: z.string().regex(/^1\.0\.0(-[\w.]+)?$/, 'expected a Naftiko spec version such as 1.0.0-alpha2'),
  info: z.object({
    label: name,
    description: z.string().optional(),
    tags: z.array(z.string()).optional(),
    created: z.string().optional(),
    modified: z.string().optional(),
  }).strict(),
  binds: z.array(z.object({ namespace: name, keys: z.record(z.string(), z.string()) }).strict()).optional(),
  capability: z.object({ consumes: z.array(consumesSchema).min(1, 'expected at least one consumed API') }).strict(),
}).strict();

export type CapabilityFile = z.infer<typeof capabilityFileSchema>;
export type ConsumedApi = z.infer<typeof consumesSchema>;
export type CapabilityResource = z.infer<typeof resourceSchema>;
export type CapabilityOperation = z.infer<typeof operationSchema>;
export type InputParameter = z.infer<typeof inputParameterSchema>;
export type OutputParameter = z.infer<typeof outputParameterSchema>;
