/**
 * Exact AWS request counts, read off real SDK clients by middleware: every
 * DynamoDB command (with the capacity units the server reports) and every
 * PutEvents call (with the entries it carried and the 64 KB chunks EventBridge
 * bills).
 *
 * Capacity: the middleware adds `ReturnConsumedCapacity: 'TOTAL'` to each
 * data-plane request, which changes the response only. dynalite computes units
 * the way DynamoDB bills on demand (writes: 1 per KB of the larger of the old
 * and new item; strongly consistent reads: 1 per 4 KB; a Query sums its items'
 * sizes, then rounds up) but only for the table: it never charges the writes
 * DynamoDB makes to a global secondary index. Those are estimated here from the
 * shape of each write to a META item (the only items the `due` index holds;
 * see `gsiWrites`).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { entrySize } from '../shared/publisher/batching.ts';

/** What EventBridge bills as one event: each 64 KB chunk of an entry. */
const EVENT_CHUNK_BYTES = 64 * 1024;

const READS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'ScanCommand']);
const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
]);

/** Counts since the last reset. */
export interface MeterReading {
  /** DynamoDB calls by label (command name; the due-index Query apart from the others). */
  readonly dynamo: Readonly<Record<string, number>>;
  readonly dynamoReads: number;
  readonly dynamoWrites: number;
  /** Items written by BatchWriteItem (each is billed as its own write). */
  readonly batchItems: number;
  /** Read and write request units by label (table units, as the server reported them). */
  readonly unitsBy: Readonly<Record<string, number>>;
  /** Read request units, as the server reported them. */
  readonly rru: number;
  /** Write request units of the table, as the server reported them. */
  readonly wru: number;
  /** Write request units of the `due` index, estimated (the server does not report them). */
  readonly gsiWru: number;
  /** Conditional writes the server refused (DynamoDB still bills them). */
  readonly conditionalFailures: number;
  readonly putEventsCalls: number;
  readonly putEventsEntries: number;
  /** Entries as EventBridge bills them (64 KB chunks). */
  readonly billedEvents: number;
  /** HTTP attempts beyond the first of each SDK call (0 unless something was retried). */
  readonly retries: number;
}

interface Tally {
  dynamo: Record<string, number>;
  dynamoReads: number;
  dynamoWrites: number;
  batchItems: number;
  unitsBy: Record<string, number>;
  rru: number;
  wru: number;
  gsiWru: number;
  conditionalFailures: number;
  putEventsCalls: number;
  putEventsEntries: number;
  billedEvents: number;
  attempts: number;
  calls: number;
}

function emptyTally(): Tally {
  return {
    dynamo: {},
    dynamoReads: 0,
    dynamoWrites: 0,
    batchItems: 0,
    unitsBy: {},
    rru: 0,
    wru: 0,
    gsiWru: 0,
    conditionalFailures: 0,
    putEventsCalls: 0,
    putEventsEntries: 0,
    billedEvents: 0,
    attempts: 0,
    calls: 0,
  };
}

type Input = Record<string, unknown>;
type AttributeMap = Record<string, Record<string, unknown> | undefined>;

/** Counts requests of the clients it is attached to. */
export class RequestMeter {
  #tally = emptyTally();

  /** Attaches to a DynamoDB client (every later `send` is counted). */
  attachDynamo(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'UnknownCommand';
        const input = args.input as Input;
        const data = READS.has(command) || WRITES.has(command);
        if (data) input.ReturnConsumedCapacity = 'TOTAL';
        const t = this.#tally;
        t.calls += 1;
        const label = (
          command === 'QueryCommand' && input.IndexName ? 'Query (due index)' : command
        ).replace(/Command$/, '');
        t.dynamo[label] = (t.dynamo[label] ?? 0) + 1;
        if (READS.has(command)) t.dynamoReads += 1;
        if (WRITES.has(command)) t.dynamoWrites += 1;
        if (command === 'BatchWriteItemCommand') t.batchItems += batchItemCount(input);
        try {
          const result = await next(args);
          const units = consumedUnits((result.output as unknown as Input).ConsumedCapacity);
          t.unitsBy[label] = (t.unitsBy[label] ?? 0) + units;
          if (READS.has(command)) t.rru += units;
          else if (WRITES.has(command)) {
            t.wru += units;
            t.gsiWru += gsiWrites(command, input) * Math.max(1, units);
          }
          return result;
        } catch (error) {
          if (error instanceof Error && error.name === 'ConditionalCheckFailedException') {
            t.conditionalFailures += 1;
          }
          throw error;
        }
      },
      { step: 'initialize', name: 'benchRequestMeter' },
    );
    this.#countAttempts(client);
  }

  /** Attaches to an EventBridge client. */
  attachEventBridge(client: EventBridgeClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const t = this.#tally;
        t.calls += 1;
        if (context.commandName === 'PutEventsCommand') {
          const entries = ((args.input as Input).Entries ?? []) as PutEventsRequestEntry[];
          t.putEventsCalls += 1;
          t.putEventsEntries += entries.length;
          for (const entry of entries) {
            t.billedEvents += Math.max(1, Math.ceil(entrySize(entry) / EVENT_CHUNK_BYTES));
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'benchRequestMeter' },
    );
    this.#countAttempts(client);
  }

  /** Counts so far, and starts again from zero. */
  take(): MeterReading {
    const t = this.#tally;
    this.#tally = emptyTally();
    return {
      dynamo: { ...t.dynamo },
      dynamoReads: t.dynamoReads,
      dynamoWrites: t.dynamoWrites,
      batchItems: t.batchItems,
      unitsBy: { ...t.unitsBy },
      rru: t.rru,
      wru: t.wru,
      gsiWru: t.gsiWru,
      conditionalFailures: t.conditionalFailures,
      putEventsCalls: t.putEventsCalls,
      putEventsEntries: t.putEventsEntries,
      billedEvents: t.billedEvents,
      retries: t.attempts - t.calls,
    };
  }

  /** The retry middleware sits above the deserialize step: this runs once per HTTP attempt. */
  #countAttempts(client: DynamoDBClient | EventBridgeClient): void {
    (client as DynamoDBClient).middlewareStack.add(
      (next) => async (args) => {
        this.#tally.attempts += 1;
        return next(args);
      },
      { step: 'deserialize', name: 'benchAttemptMeter' },
    );
  }
}

function batchItemCount(input: Input): number {
  const requests = (input.RequestItems ?? {}) as Record<string, unknown[]>;
  return Object.values(requests).reduce((sum, list) => sum + list.length, 0);
}

function consumedUnits(consumed: unknown): number {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce(
    (sum: number, c) => sum + (((c as { CapacityUnits?: number }).CapacityUnits ?? 0) as number),
    0,
  );
}

/**
 * Index writes DynamoDB would add for this write, per KB of the item (the
 * `due` index projects ALL attributes, so an index item is as large as the
 * table item). Only META items carry the index keys:
 * - PutItem of a META item with `duePk` (track): the item enters the index, 1;
 * - UpdateItem that sets `dueAt` (recordPoll, finish): the index key moves, a
 *   delete and a put, 2;
 * - UpdateItem that removes `duePk` (retire): the item leaves the index, 1;
 * - any other UpdateItem of a META item (outbox bookkeeping, chunk count) while
 *   the message is still indexed: its projected copy is rewritten, 1.
 * Chunk and audit items have no index key: 0.
 */
export function gsiWrites(command: string, input: Input): number {
  if (command === 'PutItemCommand') {
    const item = (input.Item ?? {}) as AttributeMap;
    return item.sk?.S === 'META' && item.duePk ? 1 : 0;
  }
  if (command !== 'UpdateItemCommand') return 0;
  const key = (input.Key ?? {}) as AttributeMap;
  if (key.sk?.S !== 'META') return 0;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const expression = String(input.UpdateExpression ?? '').replace(
    /#\w+/g,
    (alias) => names[alias] ?? alias,
  );
  const [setPart = '', removePart = ''] = expression.split(/\bREMOVE\b/);
  if (/\bduePk\b/.test(removePart)) return 1;
  if (/\bdueAt\s*=/.test(setPart)) return 2;
  return 1;
}
