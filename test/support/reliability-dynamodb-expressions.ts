/**
 * DynamoDB expressions for the in-process fake (`reliability-dynamodb-fake.ts`):
 * condition, filter, key condition, update and projection expressions, parsed and
 * evaluated as the DynamoDB Developer Guide describes them ("Condition and filter
 * expressions, operators, and functions", "Using update expressions", "Key
 * condition expressions for Query").
 *
 * Faithful where the store's correctness depends on it: comparisons between
 * different types are false (`<>` true), a missing attribute fails every
 * comparison but `<>`, strings order by UTF-8 bytes, every right-hand side of an
 * update reads the item as it was before the update, undefined or unused
 * placeholders and reserved words are refused. Not modelled: expression length
 * limits, 38-digit number precision (numbers are JavaScript doubles here).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { RESERVED_WORDS } from './reliability-dynamodb-reserved-words.ts';

export type Item = Record<string, AttributeValue>;
type Segment = string | number;
export type Path = readonly Segment[];

/** What the fake turns into a `ValidationException`. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
}

/** The request's placeholders, and which of them the expressions used. */
export class Placeholders {
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();

  constructor(
    readonly names: Readonly<Record<string, string>> | undefined,
    readonly values: Readonly<Record<string, AttributeValue>> | undefined,
  ) {}

  name(token: string): string {
    const name = this.names && Object.hasOwn(this.names, token) ? this.names[token] : undefined;
    if (name === undefined) {
      throw new ExpressionError(
        `An expression attribute name used in the document path is not defined; attribute name: ${token}`,
      );
    }
    this.usedNames.add(token);
    return name;
  }

  value(token: string): AttributeValue {
    const value = this.values && Object.hasOwn(this.values, token) ? this.values[token] : undefined;
    if (value === undefined) {
      throw new ExpressionError(
        `An expression attribute value used in expression is not defined; attribute value: ${token}`,
      );
    }
    this.usedValues.add(token);
    return value;
  }

  /** DynamoDB refuses placeholders no expression of the request uses. */
  checkAllUsed(): void {
    if (this.values !== undefined) {
      const keys = Object.keys(this.values);
      if (keys.length === 0)
        throw new ExpressionError('ExpressionAttributeValues must not be empty');
      const unused = keys.filter((k) => !this.usedValues.has(k));
      if (unused.length > 0) {
        throw new ExpressionError(
          `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unused.join(', ')}}`,
        );
      }
    }
    if (this.names !== undefined) {
      const keys = Object.keys(this.names);
      if (keys.length === 0)
        throw new ExpressionError('ExpressionAttributeNames must not be empty');
      const unused = keys.filter((k) => !this.usedNames.has(k));
      if (unused.length > 0) {
        throw new ExpressionError(
          `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unused.join(', ')}}`,
        );
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Attribute values

const TYPES = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'] as const;
export type AttributeType = (typeof TYPES)[number];

export function typeOf(value: AttributeValue): AttributeType {
  const record = value as unknown as Record<string, unknown>;
  for (const type of TYPES) if (record[type] !== undefined) return type;
  throw new ExpressionError(
    'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
  );
}

function raw(value: AttributeValue): unknown {
  return (value as unknown as Record<string, unknown>)[typeOf(value)];
}

/** Canonical text of a number, as DynamoDB returns it ('1.50' → '1.5', '-0' → '0'). */
export function normalizeNumber(text: string): string {
  const n = Number(text);
  if (!Number.isFinite(n) || text.trim() === '') {
    throw new ExpressionError(`The parameter cannot be converted to a numeric value: ${text}`);
  }
  return Object.is(n, -0) ? '0' : String(n);
}

function utf8Compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Order of two scalar values of the same type (S by UTF-8 bytes, N numerically, B by bytes); null otherwise. */
export function compareScalars(a: AttributeValue, b: AttributeValue): number | null {
  const type = typeOf(a);
  if (type !== typeOf(b)) return null;
  if (type === 'S') return utf8Compare(a.S as string, b.S as string);
  if (type === 'N') return Math.sign(Number(a.N) - Number(b.N));
  if (type === 'B')
    return Buffer.compare(Buffer.from(a.B as Uint8Array), Buffer.from(b.B as Uint8Array));
  return null;
}

export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  const type = typeOf(a);
  if (type !== typeOf(b)) return false;
  switch (type) {
    case 'S':
    case 'N':
    case 'B':
      return compareScalars(a, b) === 0;
    case 'BOOL':
      return a.BOOL === b.BOOL;
    case 'NULL':
      return true;
    case 'SS':
    case 'NS':
    case 'BS': {
      const key = (v: unknown) =>
        type === 'NS'
          ? normalizeNumber(String(v))
          : type === 'BS'
            ? Buffer.from(v as Uint8Array).toString('base64')
            : String(v);
      const left = new Set((raw(a) as unknown[]).map(key));
      const right = new Set((raw(b) as unknown[]).map(key));
      return left.size === right.size && [...left].every((v) => right.has(v));
    }
    case 'L': {
      const left = a.L as AttributeValue[];
      const right = b.L as AttributeValue[];
      return (
        left.length === right.length &&
        left.every((v, i) => valuesEqual(v, right[i] as AttributeValue))
      );
    }
    case 'M': {
      const left = a.M as Record<string, AttributeValue>;
      const right = b.M as Record<string, AttributeValue>;
      const keys = Object.keys(left);
      return (
        keys.length === Object.keys(right).length &&
        keys.every(
          (k) =>
            Object.hasOwn(right, k) &&
            valuesEqual(left[k] as AttributeValue, right[k] as AttributeValue),
        )
      );
    }
  }
}

/** The value at `path`, or undefined when any step of it is missing. */
export function getPath(item: Item, path: Path): AttributeValue | undefined {
  let current: AttributeValue | undefined = { M: item };
  for (const segment of path) {
    if (current === undefined) return undefined;
    if (typeof segment === 'number') {
      current = current.L === undefined ? undefined : current.L[segment];
    } else {
      const map: Record<string, AttributeValue> | undefined = current.M;
      current = map !== undefined && Object.hasOwn(map, segment) ? map[segment] : undefined;
    }
  }
  return current;
}

export function pathText(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

// ---------------------------------------------------------------------------
// Tokens

type Token =
  | { readonly kind: 'name' | 'value' | 'ident' | 'number' | 'punct'; readonly text: string }
  | { readonly kind: 'end'; readonly text: '' };

const PUNCTUATION = ['<=', '>=', '<>', '=', '<', '>', '(', ')', ',', '.', '[', ']', '+', '-'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const placeholder = /^[#:][A-Za-z0-9_]+/.exec(rest);
    if (placeholder) {
      tokens.push({ kind: placeholder[0][0] === '#' ? 'name' : 'value', text: placeholder[0] });
      i += placeholder[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0] });
      i += ident[0].length;
      continue;
    }
    const number = /^\d+/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0] });
      i += number[0].length;
      continue;
    }
    const punct = PUNCTUATION.find((p) => rest.startsWith(p));
    if (!punct)
      throw new ExpressionError(
        `Invalid expression: Syntax error; token: "${rest[0]}", near: "${rest.slice(0, 10)}"`,
      );
    tokens.push({ kind: 'punct', text: punct });
    i += punct.length;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

// ---------------------------------------------------------------------------
// ASTs

export type Operand =
  | { readonly kind: 'path'; readonly path: Path }
  | { readonly kind: 'value'; readonly value: AttributeValue }
  | { readonly kind: 'size'; readonly path: Path };

type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Condition =
  | {
      readonly kind: 'compare';
      readonly op: Comparator;
      readonly left: Operand;
      readonly right: Operand;
    }
  | {
      readonly kind: 'between';
      readonly subject: Operand;
      readonly low: Operand;
      readonly high: Operand;
    }
  | { readonly kind: 'in'; readonly subject: Operand; readonly list: readonly Operand[] }
  | {
      readonly kind: 'function';
      readonly name: ConditionFunction;
      readonly args: readonly Operand[];
    }
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'not'; readonly operand: Condition };

type ConditionFunction =
  | 'attribute_exists'
  | 'attribute_not_exists'
  | 'attribute_type'
  | 'begins_with'
  | 'contains';
const CONDITION_FUNCTIONS = new Set<string>([
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
  'begins_with',
  'contains',
]);

type SetValue =
  | { readonly kind: 'operand'; readonly operand: Operand }
  | { readonly kind: 'if_not_exists'; readonly path: Path; readonly fallback: Operand }
  | { readonly kind: 'list_append'; readonly first: SetValue; readonly second: SetValue }
  | { readonly kind: '+' | '-'; readonly left: SetValue; readonly right: SetValue };

export type UpdateAction =
  | { readonly kind: 'SET'; readonly path: Path; readonly value: SetValue }
  | { readonly kind: 'REMOVE'; readonly path: Path }
  | { readonly kind: 'ADD' | 'DELETE'; readonly path: Path; readonly value: Operand };

class Parser {
  readonly #tokens: Token[];
  #at = 0;

  constructor(
    readonly text: string,
    readonly placeholders: Placeholders,
  ) {
    if (text.trim() === '')
      throw new ExpressionError('Invalid expression: The expression can not be empty;');
    this.#tokens = tokenize(text);
  }

  peek(offset = 0): Token {
    return this.#tokens[Math.min(this.#at + offset, this.#tokens.length - 1)] as Token;
  }

  next(): Token {
    const token = this.peek();
    if (this.#at < this.#tokens.length - 1) this.#at += 1;
    return token;
  }

  isKeyword(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'ident' && token.text.toUpperCase() === word;
  }

  isPunct(p: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'punct' && token.text === p;
  }

  expectPunct(p: string): void {
    if (!this.isPunct(p)) this.fail(`expected "${p}"`);
    this.next();
  }

  expectEnd(): void {
    if (this.peek().kind !== 'end') this.fail('unexpected trailing input');
  }

  fail(problem: string): never {
    const token = this.peek();
    throw new ExpressionError(
      `Invalid expression: Syntax error; ${problem}; token: "${token.text || '<EOF>'}" in "${this.text}"`,
    );
  }

  path(): Path {
    const segments: Segment[] = [this.pathName()];
    for (;;) {
      if (this.isPunct('.')) {
        this.next();
        segments.push(this.pathName());
      } else if (this.isPunct('[')) {
        this.next();
        const index = this.next();
        if (index.kind !== 'number') this.fail('expected a list index');
        segments.push(Number(index.text));
        this.expectPunct(']');
      } else {
        return segments;
      }
    }
  }

  pathName(): string {
    const token = this.next();
    if (token.kind === 'name') return this.placeholders.name(token.text);
    if (token.kind === 'ident') {
      if (RESERVED_WORDS.has(token.text.toUpperCase())) {
        throw new ExpressionError(
          `Invalid expression: Attribute name is a reserved keyword; reserved keyword: ${token.text}`,
        );
      }
      return token.text;
    }
    return this.fail('expected an attribute name');
  }

  operand(): Operand {
    const token = this.peek();
    if (token.kind === 'value') {
      this.next();
      return { kind: 'value', value: this.placeholders.value(token.text) };
    }
    if (token.kind === 'ident' && token.text === 'size' && this.isPunct('(', 1)) {
      this.next();
      this.next();
      const path = this.path();
      this.expectPunct(')');
      return { kind: 'size', path };
    }
    if (token.kind === 'ident' && this.isPunct('(', 1)) {
      throw new ExpressionError(
        `Invalid expression: Invalid function name; function: ${token.text}`,
      );
    }
    return { kind: 'path', path: this.path() };
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.isKeyword('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.conjunction() };
    }
    return left;
  }

  conjunction(): Condition {
    let left = this.negation();
    while (this.isKeyword('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.negation() };
    }
    return left;
  }

  negation(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', operand: this.negation() };
    }
    return this.primary();
  }

  primary(): Condition {
    if (this.isPunct('(')) {
      this.next();
      const inner = this.condition();
      this.expectPunct(')');
      return inner;
    }
    const token = this.peek();
    if (token.kind === 'ident' && this.isPunct('(', 1) && token.text !== 'size') {
      if (!CONDITION_FUNCTIONS.has(token.text)) {
        throw new ExpressionError(
          `Invalid expression: Invalid function name; function: ${token.text}`,
        );
      }
      this.next();
      this.next();
      const args: Operand[] = [this.operand()];
      while (this.isPunct(',')) {
        this.next();
        args.push(this.operand());
      }
      this.expectPunct(')');
      const name = token.text as ConditionFunction;
      const arity = name === 'attribute_exists' || name === 'attribute_not_exists' ? 1 : 2;
      if (args.length !== arity || args[0]?.kind !== 'path') {
        throw new ExpressionError(
          `Invalid expression: Incorrect number or kind of operands for function: ${name}`,
        );
      }
      return { kind: 'function', name, args };
    }
    const subject = this.operand();
    if (this.isKeyword('BETWEEN')) {
      this.next();
      const low = this.operand();
      if (!this.isKeyword('AND')) this.fail('expected AND in BETWEEN');
      this.next();
      return { kind: 'between', subject, low, high: this.operand() };
    }
    if (this.isKeyword('IN')) {
      this.next();
      this.expectPunct('(');
      const list: Operand[] = [this.operand()];
      while (this.isPunct(',')) {
        this.next();
        list.push(this.operand());
      }
      this.expectPunct(')');
      return { kind: 'in', subject, list };
    }
    const op = this.peek();
    if (op.kind === 'punct' && ['=', '<>', '<', '<=', '>', '>='].includes(op.text)) {
      this.next();
      return { kind: 'compare', op: op.text as Comparator, left: subject, right: this.operand() };
    }
    return this.fail('expected a comparator, BETWEEN, IN or a function');
  }

  update(): UpdateAction[] {
    const actions: UpdateAction[] = [];
    const seen = new Set<string>();
    while (this.peek().kind !== 'end') {
      const clause = this.next();
      const word = clause.kind === 'ident' ? clause.text.toUpperCase() : '';
      if (!['SET', 'REMOVE', 'ADD', 'DELETE'].includes(word))
        this.fail('expected SET, REMOVE, ADD or DELETE');
      if (seen.has(word)) {
        throw new ExpressionError(
          `Invalid UpdateExpression: The "${word}" section can only be used once in an update expression;`,
        );
      }
      seen.add(word);
      for (;;) {
        const path = this.path();
        if (word === 'SET') {
          this.expectPunct('=');
          actions.push({ kind: 'SET', path, value: this.setValue() });
        } else if (word === 'REMOVE') {
          actions.push({ kind: 'REMOVE', path });
        } else {
          actions.push({ kind: word as 'ADD' | 'DELETE', path, value: this.operand() });
        }
        if (!this.isPunct(',')) break;
        this.next();
      }
    }
    return actions;
  }

  setValue(): SetValue {
    const left = this.setTerm();
    if (this.isPunct('+') || this.isPunct('-')) {
      const op = this.next().text as '+' | '-';
      return { kind: op, left, right: this.setTerm() };
    }
    return left;
  }

  setTerm(): SetValue {
    const token = this.peek();
    if (token.kind === 'ident' && this.isPunct('(', 1)) {
      if (token.text === 'if_not_exists') {
        this.next();
        this.next();
        const path = this.path();
        this.expectPunct(',');
        const fallback = this.operand();
        this.expectPunct(')');
        return { kind: 'if_not_exists', path, fallback };
      }
      if (token.text === 'list_append') {
        this.next();
        this.next();
        const first = this.setTerm();
        this.expectPunct(',');
        const second = this.setTerm();
        this.expectPunct(')');
        return { kind: 'list_append', first, second };
      }
      throw new ExpressionError(
        `Invalid UpdateExpression: Invalid function name; function: ${token.text}`,
      );
    }
    return { kind: 'operand', operand: this.operand() };
  }

  projection(): Path[] {
    const paths: Path[] = [this.path()];
    while (this.isPunct(',')) {
      this.next();
      paths.push(this.path());
    }
    return paths;
  }
}

export function parseCondition(text: string, placeholders: Placeholders): Condition {
  const parser = new Parser(text, placeholders);
  const condition = parser.condition();
  parser.expectEnd();
  return condition;
}

export function parseUpdate(text: string, placeholders: Placeholders): UpdateAction[] {
  const parser = new Parser(text, placeholders);
  const actions = parser.update();
  parser.expectEnd();
  const paths = actions.map((a) => pathText(a.path));
  for (const [i, p] of paths.entries()) {
    for (const q of paths.slice(i + 1)) {
      if (
        p === q ||
        q.startsWith(`${p}.`) ||
        q.startsWith(`${p}[`) ||
        p.startsWith(`${q}.`) ||
        p.startsWith(`${q}[`)
      ) {
        throw new ExpressionError(
          `Invalid UpdateExpression: Two document paths overlap with each other; [${p}, ${q}]`,
        );
      }
    }
  }
  return actions;
}

export function parseProjection(text: string, placeholders: Placeholders): Path[] {
  const parser = new Parser(text, placeholders);
  const paths = parser.projection();
  parser.expectEnd();
  return paths;
}

// ---------------------------------------------------------------------------
// Evaluation

function operandValue(item: Item, operand: Operand): AttributeValue | undefined {
  if (operand.kind === 'value') return operand.value;
  const value = getPath(item, operand.path);
  if (operand.kind === 'path' || value === undefined) return value;
  const type = typeOf(value);
  const v = raw(value);
  if (type === 'S') return { N: String((v as string).length) };
  if (type === 'B') return { N: String((v as Uint8Array).byteLength) };
  if (type === 'L' || type === 'SS' || type === 'NS' || type === 'BS')
    return { N: String((v as unknown[]).length) };
  if (type === 'M') return { N: String(Object.keys(v as object).length) };
  return undefined;
}

export function evaluate(condition: Condition, item: Item): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluate(condition.left, item) && evaluate(condition.right, item);
    case 'or':
      return evaluate(condition.left, item) || evaluate(condition.right, item);
    case 'not':
      return !evaluate(condition.operand, item);
    case 'compare': {
      const left = operandValue(item, condition.left);
      const right = operandValue(item, condition.right);
      if (condition.op === '<>') return !(left && right && valuesEqual(left, right));
      if (!left || !right) return false;
      if (condition.op === '=') return valuesEqual(left, right);
      const order = compareScalars(left, right);
      if (order === null) return false;
      return condition.op === '<'
        ? order < 0
        : condition.op === '<='
          ? order <= 0
          : condition.op === '>'
            ? order > 0
            : order >= 0;
    }
    case 'between': {
      const subject = operandValue(item, condition.subject);
      const low = operandValue(item, condition.low);
      const high = operandValue(item, condition.high);
      if (!subject || !low || !high) return false;
      const a = compareScalars(subject, low);
      const b = compareScalars(subject, high);
      return a !== null && b !== null && a >= 0 && b <= 0;
    }
    case 'in': {
      const subject = operandValue(item, condition.subject);
      if (!subject) return false;
      return condition.list.some((o) => {
        const v = operandValue(item, o);
        return v !== undefined && valuesEqual(subject, v);
      });
    }
    case 'function':
      return evaluateFunction(condition.name, condition.args, item);
  }
}

function evaluateFunction(name: ConditionFunction, args: readonly Operand[], item: Item): boolean {
  const subject = operandValue(item, args[0] as Operand);
  switch (name) {
    case 'attribute_exists':
      return subject !== undefined;
    case 'attribute_not_exists':
      return subject === undefined;
    case 'attribute_type': {
      const wanted = operandValue(item, args[1] as Operand);
      return subject !== undefined && wanted?.S === typeOf(subject);
    }
    case 'begins_with': {
      const prefix = operandValue(item, args[1] as Operand);
      if (!subject || !prefix) return false;
      if (subject.S !== undefined && prefix.S !== undefined) return subject.S.startsWith(prefix.S);
      if (subject.B !== undefined && prefix.B !== undefined) {
        return Buffer.from(subject.B)
          .subarray(0, prefix.B.byteLength)
          .equals(Buffer.from(prefix.B));
      }
      return false;
    }
    case 'contains': {
      const needle = operandValue(item, args[1] as Operand);
      if (!subject || !needle) return false;
      if (subject.S !== undefined && needle.S !== undefined) return subject.S.includes(needle.S);
      if (subject.SS !== undefined && needle.S !== undefined) return subject.SS.includes(needle.S);
      if (subject.NS !== undefined && needle.N !== undefined) {
        return subject.NS.some((n) => normalizeNumber(n) === normalizeNumber(needle.N as string));
      }
      if (subject.L !== undefined) return subject.L.some((v) => valuesEqual(v, needle));
      return false;
    }
  }
}

/**
 * The item after `actions`. Every right-hand side reads `before`, as DynamoDB
 * evaluates them all before applying any.
 */
export function applyUpdate(before: Item, actions: readonly UpdateAction[]): Item {
  const planned = actions.map((action) => {
    if (action.kind === 'SET') return { action, value: setValue(before, action.value) };
    if (action.kind === 'REMOVE') return { action, value: undefined };
    const value = operandValue(before, action.value);
    const current = getPath(before, action.path);
    return {
      action,
      value: action.kind === 'ADD' ? added(current, value) : deleted(current, value),
    };
  });
  const after = structuredClone(before);
  // Removals from a list shift it: remove the highest indexes first.
  const ordered = [...planned].sort((a, b) => {
    const x = a.action.path.at(-1);
    const y = b.action.path.at(-1);
    return typeof x === 'number' && typeof y === 'number' ? y - x : 0;
  });
  for (const { action, value } of ordered) {
    if (value === undefined) removePath(after, action.path);
    else writePath(after, action.path, value);
  }
  return after;
}

function setValue(item: Item, value: SetValue): AttributeValue {
  switch (value.kind) {
    case 'operand': {
      const v = operandValue(item, value.operand);
      if (v === undefined) {
        throw new ExpressionError(
          'The provided expression refers to an attribute that does not exist in the item',
        );
      }
      return v;
    }
    case 'if_not_exists':
      return (
        getPath(item, value.path) ?? setValue(item, { kind: 'operand', operand: value.fallback })
      );
    case 'list_append': {
      const first = setValue(item, value.first);
      const second = setValue(item, value.second);
      if (first.L === undefined || second.L === undefined) {
        throw new ExpressionError('An operand in the update expression has an incorrect data type');
      }
      return { L: [...first.L, ...second.L] };
    }
    case '+':
    case '-': {
      const left = setValue(item, value.left);
      const right = setValue(item, value.right);
      if (left.N === undefined || right.N === undefined) {
        throw new ExpressionError('An operand in the update expression has an incorrect data type');
      }
      const n =
        value.kind === '+' ? Number(left.N) + Number(right.N) : Number(left.N) - Number(right.N);
      return { N: normalizeNumber(String(n)) };
    }
  }
}

function added(
  current: AttributeValue | undefined,
  value: AttributeValue | undefined,
): AttributeValue {
  if (value === undefined) throw new ExpressionError('ADD needs a value');
  if (current === undefined) return value;
  if (current.N !== undefined && value.N !== undefined) {
    return { N: normalizeNumber(String(Number(current.N) + Number(value.N))) };
  }
  for (const type of ['SS', 'NS', 'BS'] as const) {
    const left = current[type] as unknown[] | undefined;
    const right = value[type] as unknown[] | undefined;
    if (left && right)
      return { [type]: [...new Set([...left, ...right])] } as unknown as AttributeValue;
  }
  throw new ExpressionError('An operand in the update expression has an incorrect data type');
}

function deleted(
  current: AttributeValue | undefined,
  value: AttributeValue | undefined,
): AttributeValue | undefined {
  if (value === undefined) throw new ExpressionError('DELETE needs a value');
  if (current === undefined) return undefined;
  for (const type of ['SS', 'NS', 'BS'] as const) {
    const left = current[type] as unknown[] | undefined;
    const right = value[type] as unknown[] | undefined;
    if (left && right) {
      const rest = left.filter((v) => !right.includes(v));
      return rest.length === 0 ? undefined : ({ [type]: rest } as unknown as AttributeValue);
    }
  }
  throw new ExpressionError('An operand in the update expression has an incorrect data type');
}

function parentOf(item: Item, path: Path): AttributeValue | undefined {
  return path.length === 1 ? { M: item } : getPath(item, path.slice(0, -1));
}

function writePath(item: Item, path: Path, value: AttributeValue): void {
  const parent = parentOf(item, path);
  const last = path.at(-1) as Segment;
  if (typeof last === 'number') {
    if (parent?.L === undefined) {
      throw new ExpressionError(
        'The document path provided in the update expression is invalid for update',
      );
    }
    if (last >= parent.L.length) parent.L.push(value);
    else parent.L[last] = value;
    return;
  }
  if (parent?.M === undefined) {
    throw new ExpressionError(
      'The document path provided in the update expression is invalid for update',
    );
  }
  parent.M[last] = value;
}

function removePath(item: Item, path: Path): void {
  const parent = parentOf(item, path);
  const last = path.at(-1) as Segment;
  if (typeof last === 'number') {
    if (parent?.L !== undefined && last < parent.L.length) parent.L.splice(last, 1);
  } else if (parent?.M !== undefined) {
    delete parent.M[last];
  }
}

/** Only the attributes named by `paths` (nested maps and lists kept as far as the paths go). */
export function project(item: Item, paths: readonly Path[]): Item {
  const result: Item = {};
  for (const path of paths) {
    const value = getPath(item, path);
    if (value === undefined) continue;
    let target: Record<string, AttributeValue> = result;
    for (const [i, segment] of path.entries()) {
      const key = String(segment);
      if (i === path.length - 1) {
        target[key] = structuredClone(value);
      } else {
        const existing = target[key];
        const next: AttributeValue = existing?.M ? existing : { M: {} };
        target[key] = next;
        target = next.M as Record<string, AttributeValue>;
      }
    }
  }
  return result;
}
