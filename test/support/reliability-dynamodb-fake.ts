/**
 * An in-process DynamoDB for the fault-injection property test: the real
 * `DynamoDBClient` with one middleware that answers every command from memory
 * instead of sending it, so the store under test runs unchanged and thousands of
 * histories fit in a test run.
 *
 * What it honours (the DynamoDB API Reference, per command), because the store's
 * guarantees rest on it:
 * - single-item writes are atomic; `ConditionExpression` is evaluated against the
 *   item as stored at that instant (see `reliability-dynamodb-expressions.ts`);
 *   a failed condition throws `ConditionalCheckFailedException` and writes nothing;
 * - `UpdateItem` creates the item when missing, refuses to change key attributes;
 * - `Query`: hash-key equality plus an optional range condition, range order by
 *   UTF-8 bytes, `Limit` counts items read before the filter, a page may stop
 *   early (the 1 MB cap) and `LastEvaluatedKey` may be present on the last page;
 *   `ConsistentRead` is refused on a GSI; sparse GSIs hold only items carrying
 *   every index key attribute;
 * - `BatchWriteItem`: 1 to 25 requests, no key twice, any subset may come back in
 *   `UnprocessedItems` (unapplied);
 * - `TransactWriteItems`: all or nothing, `TransactionCanceledException` with
 *   `CancellationReasons`, no item twice;
 * - unused or undefined expression placeholders, empty key values, wrong key
 *   types and items over 400 KB are a `ValidationException`.
 *
 * What it leaves out: eventual consistency of GSIs and non-consistent reads
 * (every read sees the latest write), capacity accounting, TTL deletion,
 * streams. Items with equal GSI keys come back in table-key order (DynamoDB
 * leaves that order unspecified, so nothing may rely on it). The conformance test (test/reliability/dynamodb-fake.conformance.test.ts)
 * runs the same requests against dynalite and compares.
 *
 * Faults come from a `DynamoChaos` per client: throttling before a call, a lost
 * response after it (applied, but the caller sees an error), unprocessed batch
 * items, short pages.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
  ResourceInUseException,
  ResourceNotFoundException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  applyUpdate,
  type Condition,
  compareScalars,
  ExpressionError,
  evaluate,
  type Item,
  normalizeNumber,
  Placeholders,
  parseCondition,
  parseProjection,
  parseUpdate,
  project,
  typeOf,
  type UpdateAction,
  valuesEqual,
} from './reliability-dynamodb-expressions.ts';

export type { Item } from './reliability-dynamodb-expressions.ts';

/** One command as the chaos hooks see it. */
export interface DynamoCall {
  /** SDK command name, e.g. `PutItemCommand`. */
  readonly command: string;
  readonly input: Readonly<Record<string, unknown>>;
  /** The partition key value the call is about ('' when none, e.g. an index query). */
  readonly partition: string;
  /** A write with a ConditionExpression (a blind retry of it can fail its own condition). */
  readonly conditional: boolean;
  readonly writes: boolean;
}

/** Fault hooks of one client. Every hook is optional; none means a perfect DynamoDB. */
export interface DynamoChaos {
  /** An error to throw instead of running the call (nothing applied), e.g. throttling. */
  before?(call: DynamoCall): Error | undefined;
  /** An error to throw after the call applied: the response was lost on the way back. */
  after?(call: DynamoCall): Error | undefined;
  /** BatchWriteItem: indexes (in request order) to hand back unprocessed. */
  unprocessed?(call: DynamoCall, count: number): readonly number[];
  /** Query/Scan: items read before the page stops (the 1 MB cap reached early). */
  pageSize?(call: DynamoCall): number | undefined;
  /** Event-loop turns to wait before the call applies, to vary interleavings. */
  yields?(call: DynamoCall): number;
}

/** Called after every item write: `before`/`after` undefined for a create/delete. */
export type WriteObserver = (
  tableName: string,
  before: Item | undefined,
  after: Item | undefined,
) => void;

interface KeySchema {
  readonly hash: string;
  readonly range?: string;
}

interface TableState {
  readonly name: string;
  readonly key: KeySchema;
  readonly attributeTypes: ReadonlyMap<string, 'S' | 'N' | 'B'>;
  readonly indexes: ReadonlyMap<string, KeySchema>;
  readonly createInput: Record<string, unknown>;
  readonly items: Map<string, Item>;
}

type Input = Readonly<Record<string, unknown>>;
type Output = Record<string, unknown>;

/** A single-item write, checked and ready to apply. */
interface WritePlan {
  readonly table: TableState;
  readonly key: Item;
  readonly existing: Item | undefined;
  /** The item after the write; undefined when it is deleted (or never existed). */
  readonly next: Item | undefined;
  readonly actions: readonly UpdateAction[];
}

const MAX_ITEM_BYTES = 400 * 1024;

// ---------------------------------------------------------------------------
// Errors, shaped like the SDK's

function metadata(httpStatusCode: number) {
  return { httpStatusCode, requestId: 'fake', attempts: 1, totalRetryDelay: 0 };
}

export function validationError(message: string): Error {
  return new DynamoDBServiceException({
    name: 'ValidationException',
    $fault: 'client',
    $metadata: metadata(400),
    message,
  });
}

export function throttlingError(): Error {
  return new ProvisionedThroughputExceededException({
    $metadata: metadata(400),
    message:
      'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  });
}

export function conditionalCheckFailed(item?: Item): Error {
  return new ConditionalCheckFailedException({
    $metadata: metadata(400),
    message: 'The conditional request failed',
    ...(item ? { Item: item } : {}),
  });
}

/** What the SDK throws when a socket dies after the request was sent (no HTTP status). */
export function lostResponseError(): Error {
  const error = new Error('Connection reset after the request was sent (injected)');
  error.name = 'TimeoutError';
  return error;
}

function notFound(): Error {
  return new ResourceNotFoundException({
    $metadata: metadata(400),
    message: 'Requested resource not found',
  });
}

// ---------------------------------------------------------------------------
// Item helpers

function keyValueText(value: AttributeValue): string {
  const type = typeOf(value);
  if (type === 'S') return `S:${value.S}`;
  if (type === 'N') return `N:${normalizeNumber(value.N as string)}`;
  return `B:${Buffer.from(value.B as Uint8Array).toString('base64')}`;
}

function keyText(schema: KeySchema, item: Item): string {
  const hash = item[schema.hash] as AttributeValue;
  const range = schema.range ? (item[schema.range] as AttributeValue) : undefined;
  return range ? `${keyValueText(hash)}\u0000${keyValueText(range)}` : keyValueText(hash);
}

function keyOnly(schema: KeySchema, item: Item): Item {
  const key: Item = { [schema.hash]: item[schema.hash] as AttributeValue };
  if (schema.range) key[schema.range] = item[schema.range] as AttributeValue;
  return key;
}

function valueBytes(value: AttributeValue): number {
  const type = typeOf(value);
  switch (type) {
    case 'S':
      return Buffer.byteLength(value.S as string);
    case 'N':
      return Math.ceil((value.N as string).replace(/[-.]/g, '').length / 2) + 1;
    case 'B':
      return (value.B as Uint8Array).byteLength;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return (value.SS as string[]).reduce((n, s) => n + Buffer.byteLength(s), 0);
    case 'NS':
      return (value.NS as string[]).reduce((n, s) => n + valueBytes({ N: s }), 0);
    case 'BS':
      return (value.BS as Uint8Array[]).reduce((n, b) => n + b.byteLength, 0);
    case 'L':
      return 3 + (value.L as AttributeValue[]).reduce((n, v) => n + 1 + valueBytes(v), 0);
    case 'M':
      return 3 + itemBytes(value.M as Item) + Object.keys(value.M as Item).length;
  }
}

/** Item size as DynamoDB counts it: attribute names plus values, in bytes. */
export function itemBytes(item: Item): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name) + valueBytes(value);
  }
  return bytes;
}

function normalizeItem(item: Item): Item {
  const copy = structuredClone(item);
  const walk = (value: AttributeValue): void => {
    if (value.N !== undefined) value.N = normalizeNumber(value.N);
    if (value.NS !== undefined) value.NS = value.NS.map(normalizeNumber);
    if (value.L !== undefined) value.L.forEach(walk);
    if (value.M !== undefined) Object.values(value.M).forEach(walk);
  };
  Object.values(copy).forEach((v) => {
    typeOf(v);
    walk(v);
  });
  return copy;
}

// ---------------------------------------------------------------------------

/** One DynamoDB "account": tables in memory, shared by every client it hands out. */
export class FakeDynamoDB {
  readonly #tables = new Map<string, TableState>();
  readonly #observers: WriteObserver[] = [];
  /** Commands executed, by name (a faulted call counts too). */
  readonly calls = new Map<string, number>();

  /** A real `DynamoDBClient` whose every command is answered by this fake, through `chaos`. */
  client(chaos: DynamoChaos = {}): DynamoDBClient {
    const client = new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' },
      maxAttempts: 1,
    });
    client.middlewareStack.add(
      (_next, context) => async (args) => {
        const output = await this.execute(
          context.commandName ?? 'UnknownCommand',
          args.input as Record<string, unknown>,
          chaos,
        );
        return { output: { ...output, $metadata: metadata(200) }, response: {} };
      },
      { step: 'initialize', name: 'reliabilityFakeDynamoDB', priority: 'high' },
    );
    return client;
  }

  /** Registers an observer of every item write (an oracle for tests, not part of DynamoDB). */
  observe(observer: WriteObserver): void {
    this.#observers.push(observer);
  }

  /** Every item of a table, in key order (copies). */
  items(tableName: string): Item[] {
    const table = this.#table(tableName);
    return this.#sorted(table, [...table.items.values()], table.key).map((i) => structuredClone(i));
  }

  /** Runs one command (by SDK command name) with the given chaos. */
  async execute(
    command: string,
    input: Record<string, unknown>,
    chaos: DynamoChaos = {},
  ): Promise<Output> {
    this.calls.set(command, (this.calls.get(command) ?? 0) + 1);
    const call = describeCall(command, input, this.#tables);
    const turns = chaos.yields?.(call) ?? 0;
    for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    await Promise.resolve();
    const early = chaos.before?.(call);
    if (early) throw early;
    let output: Output;
    try {
      output = this.#run(call, chaos);
    } catch (error) {
      if (error instanceof ExpressionError) throw validationError(error.message);
      throw error;
    }
    const late = chaos.after?.(call);
    if (late) throw late;
    return output;
  }

  #run(call: DynamoCall, chaos: DynamoChaos): Output {
    const input = call.input;
    switch (call.command) {
      case 'CreateTableCommand':
        return this.#createTable(input);
      case 'DescribeTableCommand':
        return { Table: this.#describe(this.#table(input.TableName)) };
      case 'DeleteTableCommand': {
        const table = this.#table(input.TableName);
        this.#tables.delete(table.name);
        return { TableDescription: this.#describe(table) };
      }
      case 'PutItemCommand':
        return this.#putItem(input);
      case 'UpdateItemCommand':
        return this.#updateItem(input);
      case 'DeleteItemCommand':
        return this.#deleteItem(input);
      case 'GetItemCommand':
        return this.#getItem(input);
      case 'QueryCommand':
        return this.#query(input, call, chaos);
      case 'ScanCommand':
        return this.#scan(input, call, chaos);
      case 'BatchWriteItemCommand':
        return this.#batchWrite(input, call, chaos);
      case 'BatchGetItemCommand':
        return this.#batchGet(input);
      case 'TransactWriteItemsCommand':
        return this.#transactWrite(input);
      case 'TransactGetItemsCommand':
        return this.#transactGet(input);
      default:
        throw validationError(`The in-process fake does not implement ${call.command}`);
    }
  }

  // -- tables -----------------------------------------------------------------

  #createTable(input: Input): Output {
    checkTableName(input.TableName);
    const name = input.TableName as string;
    if (this.#tables.has(name)) {
      throw new ResourceInUseException({
        $metadata: metadata(400),
        message: `Table already exists: ${name}`,
      });
    }
    const types = new Map<string, 'S' | 'N' | 'B'>();
    for (const d of input.AttributeDefinitions as { AttributeName: string; AttributeType: 'S' }[]) {
      types.set(d.AttributeName, d.AttributeType);
    }
    const schemaOf = (elements: { AttributeName: string; KeyType: string }[]): KeySchema => {
      const hash = elements.find((e) => e.KeyType === 'HASH')?.AttributeName;
      const range = elements.find((e) => e.KeyType === 'RANGE')?.AttributeName;
      if (!hash) throw validationError('Invalid KeySchema: no HASH key');
      for (const k of [hash, range]) {
        if (k !== undefined && !types.has(k)) {
          throw validationError(`Invalid KeySchema: ${k} is not in AttributeDefinitions`);
        }
      }
      return range ? { hash, range } : { hash };
    };
    const indexes = new Map<string, KeySchema>();
    for (const gsi of (input.GlobalSecondaryIndexes ?? []) as {
      IndexName: string;
      KeySchema: { AttributeName: string; KeyType: string }[];
    }[]) {
      indexes.set(gsi.IndexName, schemaOf(gsi.KeySchema));
    }
    const table: TableState = {
      name,
      key: schemaOf(input.KeySchema as { AttributeName: string; KeyType: string }[]),
      attributeTypes: types,
      indexes,
      createInput: structuredClone(input),
      items: new Map(),
    };
    this.#tables.set(name, table);
    return { TableDescription: this.#describe(table) };
  }

  #describe(table: TableState): Output {
    const input = table.createInput as Record<string, unknown>;
    const gsis = (input.GlobalSecondaryIndexes ?? []) as Record<string, unknown>[];
    return {
      TableName: table.name,
      TableStatus: 'ACTIVE',
      KeySchema: input.KeySchema,
      AttributeDefinitions: input.AttributeDefinitions,
      ItemCount: table.items.size,
      ...(gsis.length > 0
        ? { GlobalSecondaryIndexes: gsis.map((g) => ({ ...g, IndexStatus: 'ACTIVE' })) }
        : {}),
    };
  }

  #table(name: unknown): TableState {
    checkTableName(name);
    const table = typeof name === 'string' ? this.#tables.get(name) : undefined;
    if (!table) throw notFound();
    return table;
  }

  // -- validation ---------------------------------------------------------------

  #checkKey(table: TableState, key: Item, exact: boolean): void {
    const names = [table.key.hash, table.key.range].filter((k): k is string => k !== undefined);
    if (exact && Object.keys(key).length !== names.length) {
      throw validationError('The provided key element does not match the schema');
    }
    for (const name of names) {
      const value = key[name];
      const type = table.attributeTypes.get(name);
      if (value === undefined || typeOf(value) !== type) {
        throw validationError('The provided key element does not match the schema');
      }
      if ((value.S !== undefined && value.S === '') || value.B?.byteLength === 0) {
        throw validationError(
          `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: ${name}`,
        );
      }
    }
  }

  #checkItem(table: TableState, item: Item): void {
    this.#checkKey(table, item, false);
    for (const schema of table.indexes.values()) {
      for (const name of [schema.hash, schema.range]) {
        const value = name === undefined ? undefined : item[name];
        if (name === undefined || value === undefined) continue;
        if (typeOf(value) !== table.attributeTypes.get(name)) {
          throw validationError(
            `One or more parameter values were invalid: Type mismatch for Index Key ${name} Expected: ${table.attributeTypes.get(name)} Actual: ${typeOf(value)}`,
          );
        }
        if (value.S === '') {
          throw validationError(
            `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: ${name}`,
          );
        }
      }
    }
    if (itemBytes(item) > MAX_ITEM_BYTES) {
      throw validationError('Item size has exceeded the maximum allowed size');
    }
  }

  // -- single-item writes -------------------------------------------------------

  #condition(input: Input, placeholders: Placeholders): Condition | null {
    const text = input.ConditionExpression as string | undefined;
    return text === undefined ? null : parseCondition(text, placeholders);
  }

  #failCondition(input: Input, existing: Item | undefined): never {
    const withItem = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && existing;
    throw conditionalCheckFailed(withItem ? structuredClone(existing) : undefined);
  }

  #write(table: TableState, before: Item | undefined, after: Item | undefined, key: Item): void {
    const text = keyText(table.key, key);
    if (after) table.items.set(text, after);
    else table.items.delete(text);
    for (const observer of this.#observers) {
      observer(table.name, before && structuredClone(before), after && structuredClone(after));
    }
  }

  #prepareWrite(input: Input, kind: 'put' | 'update' | 'delete' | 'check'): WritePlan {
    const table = this.#table(input.TableName);
    const placeholders = placeholdersOf(input);
    let key: Item;
    let item: Item | undefined;
    if (kind === 'put') {
      item = normalizeItem(input.Item as Item);
      this.#checkItem(table, item);
      key = keyOnly(table.key, item);
    } else {
      key = normalizeItem(input.Key as Item);
      this.#checkKey(table, key, true);
    }
    const existing = table.items.get(keyText(table.key, key));
    const actions =
      kind === 'update' && input.UpdateExpression !== undefined
        ? parseUpdate(input.UpdateExpression as string, placeholders)
        : [];
    const condition = this.#condition(input, placeholders);
    placeholders.checkAllUsed();
    if (kind === 'update') {
      for (const action of actions) {
        const top = action.path[0];
        if (top === table.key.hash || top === table.key.range) {
          throw validationError(
            `One or more parameter values were invalid: Cannot update attribute ${String(top)}. This attribute is part of the key`,
          );
        }
      }
      item = applyUpdate(existing ?? structuredClone(key), actions);
      this.#checkItem(table, item);
    }
    if (condition && !evaluate(condition, existing ?? {})) this.#failCondition(input, existing);
    const next = kind === 'check' ? existing : kind === 'delete' ? undefined : item;
    return { table, existing, next, key, actions };
  }

  #putItem(input: Input): Output {
    const { table, existing, next, key } = this.#prepareWrite(input, 'put');
    this.#write(table, existing, next, key);
    return input.ReturnValues === 'ALL_OLD' && existing
      ? { Attributes: structuredClone(existing) }
      : {};
  }

  #updateItem(input: Input): Output {
    const { table, existing, next, key, actions } = this.#prepareWrite(input, 'update');
    this.#write(table, existing, next, key);
    const after = next as Item;
    const touched = actions.map((a) => String(a.path[0]));
    const pick = (source: Item | undefined) =>
      Object.fromEntries(
        touched.filter((n) => source?.[n] !== undefined).map((n) => [n, source?.[n]]),
      ) as Item;
    switch (input.ReturnValues) {
      case 'ALL_NEW':
        return { Attributes: structuredClone(after) };
      case 'ALL_OLD':
        return existing ? { Attributes: structuredClone(existing) } : {};
      case 'UPDATED_NEW':
        return { Attributes: structuredClone(pick(after)) };
      case 'UPDATED_OLD':
        return existing ? { Attributes: structuredClone(pick(existing)) } : {};
      default:
        return {};
    }
  }

  #deleteItem(input: Input): Output {
    const { table, existing, key } = this.#prepareWrite(input, 'delete');
    if (existing) this.#write(table, existing, undefined, key);
    return input.ReturnValues === 'ALL_OLD' && existing
      ? { Attributes: structuredClone(existing) }
      : {};
  }

  // -- reads --------------------------------------------------------------------

  #getItem(input: Input): Output {
    const table = this.#table(input.TableName);
    const placeholders = placeholdersOf({
      ExpressionAttributeNames: input.ExpressionAttributeNames,
    });
    const key = normalizeItem(input.Key as Item);
    this.#checkKey(table, key, true);
    const paths =
      input.ProjectionExpression === undefined
        ? null
        : parseProjection(input.ProjectionExpression as string, placeholders);
    placeholders.checkAllUsed();
    const item = table.items.get(keyText(table.key, key));
    if (!item) return {};
    return { Item: paths ? project(item, paths) : structuredClone(item) };
  }

  #sorted(table: TableState, items: Item[], schema: KeySchema): Item[] {
    const sortKeyOf = (item: Item): AttributeValue[] => {
      const parts = [schema.hash, schema.range, table.key.hash, table.key.range]
        .filter((k): k is string => k !== undefined)
        .map((k) => item[k] as AttributeValue);
      return parts;
    };
    return items.sort((a, b) => compareKeys(sortKeyOf(a), sortKeyOf(b)));
  }

  /** Items of the table or index, in key order, each with its position key for paging. */
  #source(
    table: TableState,
    indexName: unknown,
  ): { schema: KeySchema; items: Item[]; startKeyNames: string[] } {
    if (indexName === undefined) {
      return {
        schema: table.key,
        items: this.#sorted(table, [...table.items.values()], table.key),
        startKeyNames: [table.key.hash, table.key.range].filter((k): k is string => !!k),
      };
    }
    const schema = table.indexes.get(indexName as string);
    if (!schema) {
      throw validationError(`The table does not have the specified index: ${String(indexName)}`);
    }
    // Sparse: only items carrying every key attribute of the index.
    const members = [...table.items.values()].filter(
      (item) =>
        item[schema.hash] !== undefined && (!schema.range || item[schema.range] !== undefined),
    );
    const names = [schema.hash, schema.range, table.key.hash, table.key.range].filter(
      (k): k is string => !!k,
    );
    return {
      schema,
      items: this.#sorted(table, members, schema),
      startKeyNames: [...new Set(names)],
    };
  }

  #page(
    input: Input,
    call: DynamoCall,
    chaos: DynamoChaos,
    candidates: Item[],
    startKeyNames: string[],
    filter: Condition | null,
    paths: ReturnType<typeof parseProjection> | null,
  ): Output {
    const limit = input.Limit as number | undefined;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
      throw validationError(
        '1 validation error detected: Value at limit failed to satisfy constraint: Member must have value greater than or equal to 1',
      );
    }
    const cap = chaos.pageSize?.(call);
    const stopAt = Math.min(limit ?? Number.POSITIVE_INFINITY, cap ?? Number.POSITIVE_INFINITY);
    const read = candidates.slice(0, stopAt);
    const stopped = read.length === stopAt && Number.isFinite(stopAt);
    const matching = filter ? read.filter((item) => evaluate(filter, item)) : read;
    const last = read.at(-1);
    return {
      ...(input.Select === 'COUNT'
        ? {}
        : { Items: matching.map((i) => (paths ? project(i, paths) : structuredClone(i))) }),
      Count: matching.length,
      ScannedCount: read.length,
      ...(stopped && last
        ? {
            LastEvaluatedKey: Object.fromEntries(
              startKeyNames.map((k) => [k, structuredClone(last[k] as AttributeValue)]),
            ),
          }
        : {}),
    };
  }

  #query(input: Input, call: DynamoCall, chaos: DynamoChaos): Output {
    const table = this.#table(input.TableName);
    if (input.IndexName !== undefined && input.ConsistentRead === true) {
      throw validationError('Consistent reads are not supported on global secondary indexes');
    }
    const placeholders = placeholdersOf(input);
    const { schema, items, startKeyNames } = this.#source(table, input.IndexName);
    if (input.KeyConditionExpression === undefined) {
      throw validationError(
        'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.',
      );
    }
    const keyCondition = parseCondition(input.KeyConditionExpression as string, placeholders);
    const { hash, range } = splitKeyCondition(keyCondition, schema);
    const filter =
      input.FilterExpression === undefined
        ? null
        : parseCondition(input.FilterExpression as string, placeholders);
    const paths =
      input.ProjectionExpression === undefined
        ? null
        : parseProjection(input.ProjectionExpression as string, placeholders);
    placeholders.checkAllUsed();
    if (filter && containsKeyAttribute(filter, schema)) {
      throw validationError('Filter Expression can only contain non-primary key attributes');
    }

    let candidates = items.filter((item) => {
      const h = item[schema.hash];
      return h !== undefined && valuesEqual(h, hash) && (!range || evaluate(range, item));
    });
    if (input.ScanIndexForward === false) candidates.reverse();
    const start = input.ExclusiveStartKey as Item | undefined;
    if (start) {
      const names = [schema.range, table.key.hash, table.key.range].filter((k): k is string => !!k);
      const position = (item: Item) => names.map((k) => item[k] as AttributeValue);
      const startPosition = names.map((k) => start[k]);
      if (startPosition.some((v) => v === undefined)) {
        throw validationError(
          'The provided starting key is invalid: The provided key element does not match the schema',
        );
      }
      const direction = input.ScanIndexForward === false ? -1 : 1;
      candidates = candidates.filter(
        (item) => direction * compareKeys(position(item), startPosition as AttributeValue[]) > 0,
      );
    }
    return this.#page(input, call, chaos, candidates, startKeyNames, filter, paths);
  }

  #scan(input: Input, call: DynamoCall, chaos: DynamoChaos): Output {
    const table = this.#table(input.TableName);
    const placeholders = placeholdersOf(input);
    const { items, startKeyNames } = this.#source(table, input.IndexName);
    const filter =
      input.FilterExpression === undefined
        ? null
        : parseCondition(input.FilterExpression as string, placeholders);
    const paths =
      input.ProjectionExpression === undefined
        ? null
        : parseProjection(input.ProjectionExpression as string, placeholders);
    placeholders.checkAllUsed();
    let candidates = items;
    const start = input.ExclusiveStartKey as Item | undefined;
    if (start) {
      const at = candidates.findIndex((item) =>
        startKeyNames.every((k) => item[k] && start[k] && valuesEqual(item[k], start[k])),
      );
      candidates = at < 0 ? [] : candidates.slice(at + 1);
    }
    return this.#page(input, call, chaos, candidates, startKeyNames, filter, paths);
  }

  // -- batches and transactions ---------------------------------------------------

  #batchWrite(input: Input, call: DynamoCall, chaos: DynamoChaos): Output {
    const requestItems = (input.RequestItems ?? {}) as Record<
      string,
      { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]
    >;
    const flat = Object.entries(requestItems).flatMap(([tableName, requests]) =>
      requests.map((request) => ({ tableName, request })),
    );
    if (flat.length === 0 || flat.length > 25) {
      throw validationError(
        flat.length === 0
          ? 'The batch write request list for a table cannot be null or empty'
          : 'Too many items requested for the BatchWriteItem call',
      );
    }
    const seen = new Set<string>();
    const prepared = flat.map(({ tableName, request }) => {
      const table = this.#table(tableName);
      const put = request.PutRequest?.Item;
      const del = request.DeleteRequest?.Key;
      if ((put === undefined) === (del === undefined)) {
        throw validationError(
          'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
        );
      }
      const item = put ? normalizeItem(put) : undefined;
      if (item) this.#checkItem(table, item);
      const key = item ? keyOnly(table.key, item) : normalizeItem(del as Item);
      if (!item) this.#checkKey(table, key, true);
      const text = `${tableName}\u0001${keyText(table.key, key)}`;
      if (seen.has(text)) throw validationError('Provided list of item keys contains duplicates');
      seen.add(text);
      return { table, item, key, tableName, request };
    });
    const skip = new Set(chaos.unprocessed?.(call, prepared.length) ?? []);
    const unprocessed: Record<string, unknown[]> = {};
    prepared.forEach(({ table, item, key, tableName, request }, index) => {
      if (skip.has(index)) {
        const list = unprocessed[tableName] ?? [];
        list.push(structuredClone(request));
        unprocessed[tableName] = list;
        return;
      }
      this.#write(table, table.items.get(keyText(table.key, key)), item, key);
    });
    return { UnprocessedItems: unprocessed };
  }

  #batchGet(input: Input): Output {
    const requestItems = (input.RequestItems ?? {}) as Record<string, { Keys: Item[] }>;
    const responses: Record<string, Item[]> = {};
    for (const [tableName, { Keys }] of Object.entries(requestItems)) {
      const table = this.#table(tableName);
      responses[tableName] = Keys.flatMap((k) => {
        const key = normalizeItem(k);
        this.#checkKey(table, key, true);
        const item = table.items.get(keyText(table.key, key));
        return item ? [structuredClone(item)] : [];
      });
    }
    return { Responses: responses, UnprocessedKeys: {} };
  }

  #transactWrite(input: Input): Output {
    const actions = (input.TransactItems ?? []) as Record<string, Input>[];
    if (actions.length === 0 || actions.length > 100) {
      throw validationError('Member must have length less than or equal to 100 and greater than 0');
    }
    const seen = new Set<string>();
    const reasons: { Code: string; Message?: string; Item?: Item }[] = [];
    const planned: WritePlan[] = [];
    let failed = false;
    for (const action of actions) {
      const [kind, body] = Object.entries(action)[0] as [string, Input];
      const mode = { Put: 'put', Update: 'update', Delete: 'delete', ConditionCheck: 'check' }[
        kind
      ] as 'put' | 'update' | 'delete' | 'check' | undefined;
      if (!mode) throw validationError(`Unknown transaction action ${kind}`);
      if (mode === 'check' && body.ConditionExpression === undefined) {
        throw validationError('ConditionCheck requires a ConditionExpression');
      }
      try {
        const plan = this.#prepareWrite(body, mode);
        const text = `${plan.table.name}\u0001${keyText(plan.table.key, plan.key)}`;
        if (seen.has(text)) {
          throw validationError(
            'Transaction request cannot include multiple operations on one item',
          );
        }
        seen.add(text);
        planned.push(plan);
        reasons.push({ Code: 'None' });
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        failed = true;
        reasons.push({
          Code: 'ConditionalCheckFailed',
          Message: 'The conditional request failed',
          ...(error.Item ? { Item: error.Item } : {}),
        });
      }
    }
    if (failed) {
      throw new TransactionCanceledException({
        $metadata: metadata(400),
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        CancellationReasons: reasons,
      });
    }
    for (const plan of planned) {
      if (plan.next !== plan.existing) this.#write(plan.table, plan.existing, plan.next, plan.key);
    }
    return {};
  }

  #transactGet(input: Input): Output {
    const gets = (input.TransactItems ?? []) as { Get: Input }[];
    return { Responses: gets.map(({ Get }) => this.#getItem(Get)) };
  }
}

/** TableName: 3 to 255 of `[a-zA-Z0-9_.-]`. */
function checkTableName(name: unknown): void {
  if (typeof name !== 'string' || !/^[a-zA-Z0-9_.-]{3,255}$/.test(name)) {
    throw validationError(
      `1 validation error detected: Value '${String(name)}' at 'tableName' failed to satisfy constraint: Member must have length between 3 and 255 and match [a-zA-Z0-9_.-]+`,
    );
  }
}

function placeholdersOf(input: Input): Placeholders {
  return new Placeholders(
    input.ExpressionAttributeNames as Record<string, string> | undefined,
    input.ExpressionAttributeValues as Item | undefined,
  );
}

/** Lexicographic order of key tuples, each part ordered as DynamoDB orders keys. */
function compareKeys(a: readonly AttributeValue[], b: readonly AttributeValue[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareScalars(a[i] as AttributeValue, b[i] as AttributeValue) ?? 0;
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/**
 * A key condition is `hash = :v`, optionally AND one condition on the range key
 * (`=`, `<`, `<=`, `>`, `>=`, BETWEEN, begins_with), nothing else.
 */
function splitKeyCondition(
  condition: Condition,
  schema: KeySchema,
): { hash: AttributeValue; range: Condition | null } {
  const parts = condition.kind === 'and' ? [condition.left, condition.right] : [condition];
  let hash: AttributeValue | undefined;
  let range: Condition | null = null;
  const attributeOf = (c: Condition): string | undefined => {
    const operand =
      c.kind === 'compare'
        ? c.left
        : c.kind === 'between'
          ? c.subject
          : c.kind === 'function'
            ? c.args[0]
            : undefined;
    return operand?.kind === 'path' && operand.path.length === 1
      ? String(operand.path[0])
      : undefined;
  };
  for (const part of parts) {
    const attribute = attributeOf(part);
    if (
      attribute === schema.hash &&
      part.kind === 'compare' &&
      part.op === '=' &&
      part.right.kind === 'value'
    ) {
      hash = part.right.value;
    } else if (
      attribute !== undefined &&
      attribute === schema.range &&
      ((part.kind === 'compare' && part.op !== '<>' && part.right.kind === 'value') ||
        (part.kind === 'between' && part.low.kind === 'value' && part.high.kind === 'value') ||
        (part.kind === 'function' && part.name === 'begins_with' && part.args[1]?.kind === 'value'))
    ) {
      if (range)
        throw validationError('KeyConditionExpressions must only contain one condition per key');
      range = part;
    } else {
      throw validationError(
        'Query key condition not supported: use hash = :value, optionally AND one condition on the range key',
      );
    }
  }
  if (!hash) throw validationError('Query condition missed key schema element');
  return { hash, range };
}

function containsKeyAttribute(condition: Condition, schema: KeySchema): boolean {
  const keys = new Set([schema.hash, schema.range].filter(Boolean));
  const operands = (c: Condition): { kind: string; path?: readonly unknown[] }[] => {
    switch (c.kind) {
      case 'and':
      case 'or':
        return [...operands(c.left), ...operands(c.right)];
      case 'not':
        return operands(c.operand);
      case 'compare':
        return [c.left, c.right];
      case 'between':
        return [c.subject, c.low, c.high];
      case 'in':
        return [c.subject, ...c.list];
      case 'function':
        return [...c.args];
    }
  };
  return operands(condition).some(
    (o) => o.kind !== 'value' && o.path !== undefined && keys.has(String(o.path[0])),
  );
}

/** The call with the partition it is about, for chaos hooks that key their decisions on it. */
function describeCall(
  command: string,
  input: Record<string, unknown>,
  tables: ReadonlyMap<string, TableState>,
): DynamoCall {
  const writes = /Put|Update|Delete|BatchWrite|TransactWrite/.test(command);
  const hashOf = (tableName: unknown, item: Item | undefined): string => {
    const table = typeof tableName === 'string' ? tables.get(tableName) : undefined;
    const value = table && item ? item[table.key.hash] : undefined;
    return value ? keyValueText(value).slice(2) : '';
  };
  let partition = hashOf(input.TableName, (input.Key ?? input.Item) as Item | undefined);
  if (command === 'QueryCommand' && input.IndexName === undefined) {
    try {
      const table = tables.get(input.TableName as string);
      const placeholders = new Placeholders(
        input.ExpressionAttributeNames as Record<string, string> | undefined,
        input.ExpressionAttributeValues as Item | undefined,
      );
      const condition = parseCondition(input.KeyConditionExpression as string, placeholders);
      if (table) partition = keyValueText(splitKeyCondition(condition, table.key).hash).slice(2);
    } catch {
      // The call itself reports a bad key condition.
    }
  } else if (command === 'BatchWriteItemCommand') {
    const [tableName, requests] = Object.entries(
      (input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: Item } }[]>,
    )[0] ?? [undefined, []];
    partition = hashOf(tableName, requests[0]?.PutRequest?.Item);
  }
  return {
    command,
    input,
    partition,
    conditional: writes && typeof input.ConditionExpression === 'string',
    writes,
  };
}
