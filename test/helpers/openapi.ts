import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

// Validates our Frontend API responses against Clerk's own OpenAPI file, when it is present.

export const FAPI_SPEC_PATH = fileURLToPath(new URL('../../../shared/clerk-openapi/fapi-2026-05-12.yml', import.meta.url));

type Json = Record<string, unknown>;
interface Spec { paths: Record<string, Record<string, { responses?: Record<string, { $ref?: string }> }>>; components: { schemas: Json; responses: Record<string, { content?: Record<string, { schema?: Json }> }> } }

/** OpenAPI 3.0's `nullable` as JSON Schema: null or the schema. */
function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === '$ref' && typeof value === 'string') out.$ref = value.replace('#/', 'fapi#/');
    else if (key !== 'nullable' && key !== 'example' && key !== 'discriminator') out[key] = convert(value);
  }
  return (node as Json).nullable === true ? { anyOf: [{ type: 'null' }, out] } : out;
}

export class FapiContract {
  private readonly spec: Spec;
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly routes: { method: string; template: string; pattern: RegExp }[] = [];

  constructor(path = FAPI_SPEC_PATH) {
    this.spec = parse(readFileSync(path, 'utf8')) as Spec;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    this.ajv.addSchema({ $id: 'fapi', components: { schemas: convert(this.spec.components.schemas) } });
    for (const [template, methods] of Object.entries(this.spec.paths)) {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`);
      for (const method of Object.keys(methods)) this.routes.push({ method: method.toUpperCase(), template, pattern });
    }
  }

  private validatorFor(schemaName: string): ValidateFunction {
    let validate = this.cache.get(schemaName);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `fapi#/components/schemas/${schemaName}` });
      this.cache.set(schemaName, validate);
    }
    return validate;
  }

  /** The schema name Clerk documents for this method, path and status (ClerkErrors for undocumented 4xx). */
  schemaFor(method: string, path: string, status: number): string | null {
    const route = this.routes.find((r) => r.method === method && r.pattern.test(path));
    const ref = route ? this.spec.paths[route.template]![route.method.toLowerCase()]!.responses?.[String(status)]?.$ref : undefined;
    if (ref) {
      const response = this.spec.components.responses[ref.split('/').pop()!];
      const schemaRef = response?.content?.['application/json']?.schema?.$ref as string | undefined;
      if (schemaRef) return schemaRef.split('/').pop()!;
    }
    return status >= 400 ? 'ClerkErrors' : null;
  }

  /** Throws with Ajv's findings when the body does not match; returns the schema name checked. */
  check(method: string, path: string, status: number, body: unknown): string {
    const schema = this.schemaFor(method, path, status);
    if (!schema) throw new Error(`Clerk's FAPI documents no ${status} response for ${method} ${path}`);
    const validate = this.validatorFor(schema);
    if (!validate(body)) {
      throw new Error(`${method} ${path} ${status} does not match ${schema}:\n${this.ajv.errorsText(validate.errors, { separator: '\n' })}`);
    }
    return schema;
  }

  checkSchema(schema: string, body: unknown): void {
    const validate = this.validatorFor(schema);
    if (!validate(body)) throw new Error(`body does not match ${schema}:\n${this.ajv.errorsText(validate.errors, { separator: '\n' })}`);
  }
}

let contract: FapiContract | null | undefined;

/** The contract, or null (announced loudly, once) when Clerk's OpenAPI file is absent. */
export function fapiContract(): FapiContract | null {
  if (contract === undefined) {
    if (existsSync(FAPI_SPEC_PATH)) contract = new FapiContract();
    else {
      contract = null;
      console.warn(`\n!!! CONTRACT CHECKS SKIPPED: ${FAPI_SPEC_PATH} is missing; FAPI responses are NOT validated against Clerk's OpenAPI file !!!\n`);
    }
  }
  return contract;
}
