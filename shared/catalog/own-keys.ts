/**
 * Parsing with zod without losing a `__proto__` key. Event records are keyed
 * by provider strings (`counts` by raw status) and by user strings
 * (`metadata`); zod builds a record's output by assignment, so an own key
 * `__proto__` (as JSON.parse makes it) hits the prototype setter: its count
 * vanishes and its value is not even validated. Such keys are renamed to a
 * placeholder for the parse, validated like any other key, and put back as
 * own data properties.
 */
import type * as z from 'zod';

const PROTO = '__proto__';
/** Cannot collide silently: an input already holding it is refused. */
const PLACEHOLDER = '\u0000own-key:__proto__';

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function holdsProtoKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsProtoKey);
  if (!isPlain(value)) return false;
  return Object.keys(value).some((key) => key === PROTO || holdsProtoKey(value[key]));
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function rename(value: unknown, from: string, to: string): unknown {
  if (Array.isArray(value)) return value.map((item) => rename(item, from, to));
  if (!isPlain(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === to) throw new Error(`a key is the reserved placeholder ${JSON.stringify(to)}`);
    define(copy, key === from ? to : key, rename(value[key], from, to));
  }
  return copy;
}

/** `schema.parse(input)`, keeping own `__proto__` keys as validated own keys. */
export function parseKeepingProtoKeys<T>(schema: z.ZodType<T>, input: unknown): T {
  if (!holdsProtoKey(input)) return schema.parse(input);
  return rename(schema.parse(rename(input, PROTO, PLACEHOLDER)), PLACEHOLDER, PROTO) as T;
}
