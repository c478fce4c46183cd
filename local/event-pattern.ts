/**
 * EventBridge event patterns, matched locally: `npm start -- --pattern` picks
 * which events a consumer handler gets, and the local TrackMessage rule uses
 * the same matcher as the deployed rule's pattern.
 *
 * Hand-written: no well-kept npm library does EventBridge matching (AWS's own
 * `event-ruler` is Java; the JavaScript ports found are unmaintained or not on
 * the registry), and the semantics fit in one file. They follow the EventBridge
 * user guide ("Content filtering in Amazon EventBridge event patterns" and the
 * comparison-operator table) and the event-ruler README:
 * - every field named in the pattern must match (AND); the values listed for a
 *   field are alternatives (OR); fields the pattern does not name are ignored;
 * - a pattern value is always an array of matchers; a nested object descends;
 * - an event value that is an array matches when any of its elements does;
 * - matchers: exact JSON value (numbers compare as numbers, `null` matches
 *   null), `prefix`, `suffix`, `equals-ignore-case` (also inside prefix and
 *   suffix), `wildcard`, `anything-but` (a value, a list, or prefix / suffix /
 *   equals-ignore-case / wildcard), `numeric` (one or two comparisons),
 *   `exists` (true: the leaf is present; false: it is absent, which includes
 *   a field holding an object, as exists only looks at leaves), and `$or`;
 * - string operators only match string values, numeric only JSON numbers.
 * `cidr` is refused with a clear error rather than half-implemented.
 */
import { StatusSyncError } from '../shared/errors.ts';

/** The pattern is not one EventBridge would accept (the message says where). */
export class EventPatternError extends StatusSyncError {
  readonly kind = 'bad-request';

  constructor(message: string) {
    super(message);
    this.name = 'EventPatternError';
  }
}

/** A compiled pattern: true when the event (the whole envelope) matches. */
export type EventMatcher = (event: unknown) => boolean;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Leaf = (value: Json) => boolean;
type Node = (value: Json | undefined) => boolean;

/** Parses (when given text) and checks a pattern; throws `EventPatternError` naming the bad part. */
export function compileEventPattern(pattern: unknown): EventMatcher {
  let parsed = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch (error) {
      throw new EventPatternError(`Event pattern is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (!isObject(parsed)) throw new EventPatternError('Event pattern must be a JSON object.');
  const node = compileObject(parsed, '');
  return (event) => node(event as Json);
}

function compileObject(pattern: Record<string, unknown>, path: string): Node {
  const fields: Node[] = [];
  for (const [key, sub] of Object.entries(pattern)) {
    const where = path ? `${path}.${key}` : key;
    if (key === '$or' && Array.isArray(sub)) {
      if (sub.length < 2 || !sub.every(isObject)) {
        throw new EventPatternError(`${where}: $or needs at least two objects.`);
      }
      const options = sub.map((o, i) =>
        compileObject(o as Record<string, unknown>, `${where}[${i}]`),
      );
      fields.push((value) => options.some((option) => option(value)));
    } else {
      const child = compileField(sub, where);
      fields.push((value) =>
        child(isObject(value) ? (value as Record<string, Json>)[key] : undefined),
      );
    }
  }
  return (value) => fields.every((field) => field(value));
}

/** A field's pattern: an object descends; an array lists the matchers of a leaf. */
function compileField(sub: unknown, where: string): Node {
  if (isObject(sub)) {
    const inner = compileObject(sub, where);
    // An array of objects matches when one element does (event-ruler flattens arrays).
    return (value) => (Array.isArray(value) ? value.some((v) => inner(v)) : inner(value));
  }
  if (!Array.isArray(sub) || sub.length === 0) {
    throw new EventPatternError(`${where}: must be an object or a non-empty array of values.`);
  }
  const exists: boolean[] = [];
  const leaves: Leaf[] = [];
  for (const [i, m] of sub.entries()) {
    if (isObject(m) && 'exists' in m) {
      if (typeof m.exists !== 'boolean' || Object.keys(m).length !== 1) {
        throw new EventPatternError(`${where}[${i}]: exists takes true or false.`);
      }
      exists.push(m.exists);
    } else leaves.push(compileMatcher(m, `${where}[${i}]`));
  }
  return (value) => {
    const values = leafValues(value);
    if (exists.includes(values.length > 0)) return true;
    return values.some((v) => leaves.some((leaf) => leaf(v)));
  };
}

/** Leaf values of a field: none when absent, an object or an empty array. */
function leafValues(value: Json | undefined): Json[] {
  if (value === undefined || isObject(value)) return [];
  if (Array.isArray(value)) return value.filter((v) => !isObject(v) && !Array.isArray(v));
  return [value];
}

function compileMatcher(m: unknown, where: string): Leaf {
  if (m === null || typeof m === 'string' || typeof m === 'boolean') return (v) => v === m;
  if (typeof m === 'number') return (v) => typeof v === 'number' && v === m;
  if (!isObject(m)) throw new EventPatternError(`${where}: not a value or an operator.`);
  const keys = Object.keys(m);
  const op = keys[0];
  if (keys.length !== 1 || op === undefined) {
    throw new EventPatternError(`${where}: an operator object has exactly one key.`);
  }
  const arg = m[op];
  switch (op) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
    case 'wildcard':
      return stringMatcher(op, arg, where);
    case 'anything-but':
      return anythingBut(arg, where);
    case 'numeric':
      return numeric(arg, where);
    case 'cidr':
      throw new EventPatternError(`${where}: cidr is not supported by the local bus.`);
    default:
      throw new EventPatternError(`${where}: unknown operator "${op}".`);
  }
}

function stringMatcher(op: string, arg: unknown, where: string): (v: Json) => boolean {
  let text = arg;
  let ignoreCase = op === 'equals-ignore-case';
  if ((op === 'prefix' || op === 'suffix') && isObject(arg)) {
    text = arg['equals-ignore-case'];
    ignoreCase = true;
    if (Object.keys(arg).length !== 1) {
      throw new EventPatternError(`${where}: ${op} takes a string or {"equals-ignore-case": ...}.`);
    }
  }
  if (typeof text !== 'string') throw new EventPatternError(`${where}: ${op} takes a string.`);
  const want = ignoreCase ? text.toLowerCase() : text;
  const norm = (v: string) => (ignoreCase ? v.toLowerCase() : v);
  const wildcard = op === 'wildcard' ? wildcardRegExp(text, where) : null;
  return (v) => {
    if (typeof v !== 'string') return false;
    if (wildcard) return wildcard.test(v);
    if (op === 'prefix') return norm(v).startsWith(want);
    if (op === 'suffix') return norm(v).endsWith(want);
    return norm(v) === want;
  };
}

/** `*` is any run of characters; `\*` and `\\` are literal; two `*` in a row are refused. */
function wildcardRegExp(text: string, where: string): RegExp {
  let source = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\') {
        throw new EventPatternError(`${where}: in a wildcard, \\ escapes only * and \\.`);
      }
      source += `\\${next}`;
      i++;
    } else if (c === '*') {
      if (text[i + 1] === '*')
        throw new EventPatternError(`${where}: consecutive * in a wildcard.`);
      source += '.*';
    } else source += c.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function anythingBut(arg: unknown, where: string): Leaf {
  if (isObject(arg)) {
    const [op, ...rest] = Object.keys(arg);
    if (
      op === undefined ||
      rest.length > 0 ||
      !['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(op)
    ) {
      throw new EventPatternError(
        `${where}: anything-but takes a value, a list, or one of prefix, suffix, equals-ignore-case, wildcard.`,
      );
    }
    const inner = arg[op];
    const list = op === 'equals-ignore-case' && Array.isArray(inner) ? inner : [inner];
    const matchers = list.map((x) => stringMatcher(op, x, where));
    // Like its positive form, a string operator only speaks about string values.
    return (v) => typeof v === 'string' && !matchers.some((m) => m(v));
  }
  const list: readonly unknown[] = Array.isArray(arg) ? (arg as unknown[]) : [arg];
  const allStrings = list.every((x) => typeof x === 'string');
  const allNumbers = list.every((x) => typeof x === 'number');
  if (list.length === 0 || !(allStrings || allNumbers)) {
    throw new EventPatternError(`${where}: anything-but lists only strings or only numbers.`);
  }
  const excluded = new Set<unknown>(list);
  return (v) => !excluded.has(v);
}

const COMPARATORS: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '=': (a, b) => a === b,
  '>=': (a, b) => a >= b,
  '>': (a, b) => a > b,
};

function numeric(arg: unknown, where: string): Leaf {
  const bad = () =>
    new EventPatternError(`${where}: numeric takes ["<op>", n] or [">"|">=", n, "<"|"<=", m].`);
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) throw bad();
  const tests: ((v: number) => boolean)[] = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const bound = arg[i + 1];
    const compare = typeof op === 'string' ? COMPARATORS[op] : undefined;
    if (!compare || typeof bound !== 'number') throw bad();
    if (arg.length === 4 && (i === 0 ? !op.startsWith('>') : !op.startsWith('<'))) throw bad();
    tests.push((v) => compare(v, bound));
  }
  return (v) => typeof v === 'number' && tests.every((test) => test(v));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
