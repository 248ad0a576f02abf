import fc from 'fast-check';
import { z } from 'zod';

import { anyJson, hostileNumbers, hostileString } from './hostile';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  default?: unknown;
};

/**
 * A fast-check arbitrary of the values a zod schema accepts, by way of `z.toJSONSchema`.
 * zod-fast-check, the library that derives arbitraries from zod schemas, supports zod 3 only
 * (peer `zod ^3.18`, `fast-check <4`); zod 4 exports JSON Schema itself, so a short walker over
 * that output gives the same: strings within their lengths and patterns, numbers within their
 * bounds, enums, nested objects and arrays. Refinements JSON Schema cannot say (a time zone
 * that exists, text without control characters) make some values invalid: the fuzz wants those too.
 */
export function arbitraryOf(schema: z.ZodType): fc.Arbitrary<unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return walk(json, json, 0);
}

function walk(node: JsonSchema, root: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (node.$ref) {
    const name = node.$ref.replace(/^#\/\$defs\//, '');
    const target = node.$ref === '#' ? root : root.$defs?.[name];
    return depth > 6 || !target ? fc.constant(null) : walk(target, root, depth + 1);
  }
  if (node.const !== undefined) return fc.constant(node.const);
  if (node.enum) return fc.constantFrom(...node.enum);
  const union = node.anyOf ?? node.oneOf;
  if (union?.length) return fc.oneof(...union.map((n) => walk(n, root, depth + 1)));
  if (node.allOf?.length) return walk(node.allOf[0]!, root, depth + 1);
  const type = Array.isArray(node.type) ? node.type[0] : node.type;
  switch (type) {
    case 'string':
      return stringOf(node);
    case 'integer':
      return fc.integer({
        min: Math.ceil(node.minimum ?? node.exclusiveMinimum ?? -1_000_000),
        max: Math.floor(node.maximum ?? node.exclusiveMaximum ?? 1_000_000),
      });
    case 'number':
      return fc.double({ min: node.minimum ?? -1e9, max: node.maximum ?? 1e9, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const item = node.items ? walk(node.items, root, depth + 1) : anyJson();
      const minLength = node.minItems ?? 0;
      return fc.array(item, { minLength, maxLength: Math.max(minLength, Math.min(node.maxItems ?? 3, 3)) });
    }
    case 'object': {
      const props = node.properties ?? {};
      const required = new Set(node.required ?? []);
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, child] of Object.entries(props)) shape[key] = walk(child, root, depth + 1);
      const requiredKeys = Object.keys(shape).filter((k) => required.has(k));
      if (
        Object.keys(shape).length === 0 &&
        node.additionalProperties &&
        typeof node.additionalProperties === 'object'
      ) {
        const keys = node.propertyNames ? stringOf(node.propertyNames) : fc.string({ maxLength: 8 });
        return fc.dictionary(keys, walk(node.additionalProperties, root, depth + 1), { maxKeys: 4 });
      }
      return fc.record(shape, { requiredKeys });
    }
    default:
      return anyJson();
  }
}

function stringOf(node: JsonSchema): fc.Arbitrary<string> {
  if (node.format === 'date-time')
    return fc
      .date({ min: new Date('2020-01-01'), max: new Date('2035-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString());
  if (node.format === 'uri') return fc.webUrl();
  if (node.format === 'email') return fc.emailAddress();
  if (node.format === 'uuid') return fc.uuid();
  const minLength = node.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(node.maxLength ?? 40, 80));
  if (node.pattern) {
    try {
      return fc
        .stringMatching(new RegExp(node.pattern))
        .filter((s) => s.length >= minLength && s.length <= (node.maxLength ?? Infinity));
    } catch {
      return fc.string({ minLength, maxLength });
    }
  }
  return fc.string({ minLength, maxLength, unit: 'grapheme' });
}

/**
 * Values near the schema but off it: a field dropped, one of the wrong type, a hostile string
 * or number in its place, an unknown field, `__proto__` as a key, or the whole body replaced.
 */
export function offSchema(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const replacement = fc.oneof(
    hostileString(),
    fc.constantFrom<unknown>(...hostileNumbers, null, true, [], {}, [1, 2], { $gt: '' }),
  );
  return fc.tuple(valid, fc.nat(), replacement, fc.nat(5)).map(([value, at, instead, how]) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return how === 0 ? [value] : instead;
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    const key = keys.length ? keys[at % keys.length]! : 'x';
    switch (how) {
      case 0:
        delete copy[key];
        return copy;
      case 1:
        copy[key] = instead;
        return copy;
      case 2:
        copy[`unknown_${at % 7}`] = instead;
        return copy;
      case 3:
        return JSON.parse(
          `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}${keys.length ? `,${JSON.stringify(copy).slice(1)}` : '}'}`,
        ) as unknown;
      case 4:
        copy[key] =
          typeof copy[key] === 'string'
            ? `${String(copy[key])}${typeof instead === 'string' ? instead : ''}`
            : [copy[key]];
        return copy;
      default:
        return instead;
    }
  });
}
