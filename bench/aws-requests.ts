/**
 * Section 1, AWS requests: exact DynamoDB and PutEvents counts of the engine and
 * of the naive design, side by side on the same provider replies. `messages`
 * messages of `recipients` recipients each go through three polls, each a
 * whole sync cycle: first sight (all `Waiting`), unchanged, and all recipients
 * `Delivered`. The naive design polls the first `naiveMessages` of them at the
 * same clock times (it makes one request per recipient, which on dynalite takes
 * about 1 ms of CPU each; its counts per message do not depend on how many).
 */
import pLimit from 'p-limit';
import { runCycle } from '../shared/sync/sync-cycle.ts';
import { trackMessage } from '../shared/sync/track-message.ts';
import { lockstepRecipients, startLoopback } from './loopback.ts';
import { NaiveSync } from './naive.ts';
import type { MeterReading } from './request-meter.ts';

export interface CycleFigures {
  readonly reading: MeterReading;
  /** Recipient changes (events) this cycle. */
  readonly changes: number;
  readonly messages: number;
  readonly ms: number;
}

export interface AwsRequestsResult {
  readonly messages: number;
  readonly naiveMessages: number;
  readonly recipients: number;
  readonly track: CycleFigures;
  readonly engine: Record<Phase, CycleFigures>;
  readonly naive: Record<Phase, CycleFigures>;
}

export type Phase = 'firstSight' | 'unchanged' | 'allChange';
export const PHASES: readonly Phase[] = ['firstSight', 'unchanged', 'allChange'];

const SECOND = 1000;

export async function measureAwsRequests(
  options: { messages?: number; naiveMessages?: number; recipients?: number } = {},
): Promise<AwsRequestsResult> {
  const messages = options.messages ?? 20;
  const naiveMessages = Math.min(messages, options.naiveMessages ?? 4);
  const recipients = options.recipients ?? 500;
  const lb = await startLoopback();
  try {
    const sentAt = lb.now;
    const ids = Array.from({ length: messages }, (_, i) => String(900_001 + i));
    for (const id of ids) {
      lb.simulator.addMessage(
        id,
        lockstepRecipients(recipients, sentAt, [
          { at: sentAt + 150 * SECOND, status: 'Delivered' },
        ]),
        { sentAt },
      );
    }
    const naive = new NaiveSync({
      dynamo: lb.dynamoClient,
      eventBridge: lb.eventBridge,
      provider: lb.provider,
      tableName: 'naive-bench',
      clock: () => new Date(lb.now),
    });
    await naive.createTable();

    lb.now = sentAt + 10 * SECOND;
    lb.meter.take();
    let started = performance.now();
    const limit = pLimit(8);
    await Promise.all(
      ids.map((id) =>
        limit(() => trackMessage(lb.deps(), id, { campaign: 'bench' }, new Date(lb.now))),
      ),
    );
    const track: CycleFigures = {
      reading: lb.meter.take(),
      changes: 0,
      messages,
      ms: performance.now() - started,
    };

    const engine = {} as Record<Phase, CycleFigures>;
    const naiveFigures = {} as Record<Phase, CycleFigures>;
    const pollAt: Record<Phase, number> = {
      firstSight: sentAt + 30 * SECOND,
      unchanged: sentAt + 90 * SECOND,
      allChange: sentAt + 180 * SECOND,
    };
    for (const phase of PHASES) {
      lb.now = pollAt[phase];
      started = performance.now();
      // force: every active message, whatever its schedule says (the cycle still runs its due-index Query).
      const summary = await runCycle(lb.deps(), { force: true, concurrency: 8 });
      engine[phase] = {
        reading: lb.meter.take(),
        changes: summary.changes,
        messages: summary.messagesPolled,
        ms: performance.now() - started,
      };
      if (summary.messagesPolled !== messages || Object.keys(summary.errors).length > 0) {
        throw new Error(
          `engine cycle (${phase}) polled ${summary.messagesPolled}/${messages} with errors ${JSON.stringify(summary.errors)}`,
        );
      }
      started = performance.now();
      const changes = await naive.cycle(ids.slice(0, naiveMessages), 8);
      naiveFigures[phase] = {
        reading: lb.meter.take(),
        changes,
        messages: naiveMessages,
        ms: performance.now() - started,
      };
    }
    return { messages, naiveMessages, recipients, track, engine, naive: naiveFigures };
  } finally {
    await lb.close();
  }
}

/** One message's share of a cycle: the cycle's due-index Query left out, the rest divided evenly. */
export interface PerMessage {
  readonly dynamo: Readonly<Record<string, number>>;
  readonly reads: number;
  readonly writes: number;
  readonly batchItems: number;
  readonly rru: number;
  readonly wru: number;
  readonly gsiWru: number;
  readonly putEventsCalls: number;
  readonly billedEvents: number;
  readonly changes: number;
}

const DUE_QUERY = 'Query (due index)';

export function perMessage(c: CycleFigures): PerMessage {
  const r = c.reading;
  const due = r.dynamo[DUE_QUERY] ?? 0;
  const dynamo: Record<string, number> = {};
  for (const [label, count] of Object.entries(r.dynamo)) {
    if (label !== DUE_QUERY) dynamo[label] = count / c.messages;
  }
  return {
    dynamo,
    reads: (r.dynamoReads - due) / c.messages,
    writes: r.dynamoWrites / c.messages,
    batchItems: r.batchItems / c.messages,
    rru: (r.rru - (r.unitsBy[DUE_QUERY] ?? 0)) / c.messages,
    wru: r.wru / c.messages,
    gsiWru: r.gsiWru / c.messages,
    putEventsCalls: r.putEventsCalls / c.messages,
    billedEvents: r.billedEvents / c.messages,
    changes: c.changes / c.messages,
  };
}
