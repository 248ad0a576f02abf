import { z } from 'zod';

/**
 * How long a string without a declared maximum (an id checked by a pattern, a date-time, a time
 * zone) is taken to be at most, in characters, when a body's largest size is worked out.
 */
export const UNBOUNDED_STRING_CHARS = 256;

/** Bytes a character can take in JSON at worst: a control character written as `\u0000`. */
const BYTES_PER_CHAR = 6;
/** The longest JSON number: `-1.7976931348623157e+308`. */
const NUMBER_BYTES = 24;

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  maxItems?: number;
  maxLength?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
};

/** Thrown when a schema admits bodies of any size: bound it (`.max()`), or declare the route's limit in bytes. */
export class UnboundedSchemaError extends Error {
  constructor(readonly path: string) {
    super(
      `the schema admits bodies of any size at ${path || '(body)'}: give it a maximum (.max()), or declare the route's limit in bytes`,
    );
    this.name = 'UnboundedSchemaError';
  }
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

function largest(schema: JsonSchema | boolean | undefined, path: string, defs: Record<string, JsonSchema>): number {
  if (schema === undefined || schema === true || (typeof schema === 'object' && Object.keys(schema).length === 0))
    throw new UnboundedSchemaError(path);
  if (schema === false) return 0;
  if (schema.$ref) {
    const name = schema.$ref.replace(/^#\/\$defs\//, '');
    // A reference to itself (a recursive schema) nests without end.
    if (!defs[name] || path.split('.').length > 32) throw new UnboundedSchemaError(path);
    return largest(defs[name], path, defs);
  }
  if (schema.const !== undefined) return jsonBytes(schema.const);
  if (schema.enum) return Math.max(...schema.enum.map(jsonBytes));
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return Math.max(...branches.map((b) => largest(b, path, defs)));
  if (schema.allOf) return Math.min(...schema.allOf.map((b) => largest(b, path, defs)));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) throw new UnboundedSchemaError(path);
  return Math.max(...types.map((type) => largestOfType(type, schema, path, defs)));
}

function largestOfType(type: string, schema: JsonSchema, path: string, defs: Record<string, JsonSchema>): number {
  switch (type) {
    case 'null':
      return 4;
    case 'boolean':
      return 5;
    case 'integer':
    case 'number':
      return NUMBER_BYTES;
    case 'string':
      return 2 + BYTES_PER_CHAR * (schema.maxLength ?? UNBOUNDED_STRING_CHARS);
    case 'array': {
      const prefix = (schema.prefixItems ?? []).map((item, i) => largest(item, `${path}.${i}`, defs));
      if (schema.maxItems === undefined && (schema.items !== undefined || prefix.length === 0))
        throw new UnboundedSchemaError(`${path}[]`);
      const rest =
        schema.items === undefined
          ? 0
          : Math.max(0, (schema.maxItems ?? prefix.length) - prefix.length) * largest(schema.items, `${path}[]`, defs);
      const count = schema.maxItems ?? prefix.length;
      return 2 + prefix.reduce((a, b) => a + b, 0) + rest + Math.max(0, count - 1);
    }
    case 'object': {
      const members: number[] = Object.entries(schema.properties ?? {}).map(
        ([key, value]) => jsonBytes(key) + 1 + largest(value, path ? `${path}.${key}` : key, defs),
      );
      const extra = schema.additionalProperties;
      // zod's z.object strips keys it does not name, so only a record's keys (additionalProperties) add to a body.
      if (extra !== undefined && extra !== false) {
        const keys = schema.propertyNames?.enum;
        if (!keys) throw new UnboundedSchemaError(`${path}{}`);
        const value = largest(extra, `${path}{}`, defs);
        for (const key of keys)
          if (!(String(key) in (schema.properties ?? {}))) members.push(jsonBytes(String(key)) + 1 + value);
      }
      return 2 + members.reduce((a, b) => a + b, 0) + Math.max(0, members.length - 1);
    }
    default:
      throw new UnboundedSchemaError(path);
  }
}

/**
 * The size in bytes of the largest JSON body a zod schema accepts, written compactly (as
 * `JSON.stringify` writes it) with every character at its worst (`\u0000`, 6 bytes), strings
 * without a maximum at {@link UNBOUNDED_STRING_CHARS}. Worked out from the schema's JSON Schema
 * (zod's `z.toJSONSchema`, input side). Throws {@link UnboundedSchemaError} for a schema with an
 * array, record or value of no bounded size.
 */
export function largestJsonBytes(schema: z.ZodType): number {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return largest(json, '', json.$defs ?? {});
}

/**
 * The request-body limit of a route whose body `schema` validates: its largest valid body
 * ({@link largestJsonBytes}), with room for a client's indentation and line breaks (a quarter
 * more, and at least 1 KiB), so a body that fits the schema is never refused as too large.
 */
export function bodyLimitOf(schema: z.ZodType): number {
  const bytes = largestJsonBytes(schema);
  return Math.ceil(bytes + Math.max(1_024, bytes / 4));
}
