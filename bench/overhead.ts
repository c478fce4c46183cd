/**
 * Section 2, sync overhead: what a whole sync cycle costs on top of fetching the
 * provider's replies, measured side by side (same client, same simulator, same
 * replies, same concurrency), and the pure diff's throughput.
 */
import pLimit from 'p-limit';
import { diffRecipients } from '../shared/diff/diff.ts';
import type { RecipientReport } from '../shared/model.ts';
import { runCycle } from '../shared/sync/sync-cycle.ts';
import { trackMessage } from '../shared/sync/track-message.ts';
import { lockstepRecipients, startLoopback } from './loopback.ts';

/** Statuses every recipient goes through, one a minute, so each cycle changes all of them. */
const STEPS = ['Sent', 'Pending', 'Deferred', 'Delivered', 'Opened', 'Clicked'] as const;
const MINUTE = 60_000;
const CONCURRENCY = 8;

export interface OverheadResult {
  readonly messages: number;
  readonly recipients: number;
  readonly concurrency: number;
  readonly reps: number;
  /** Per repetition: full cycle and fetch-only times, ms. */
  readonly cycleMs: readonly number[];
  readonly fetchMs: readonly number[];
  /** Changes per cycle (every recipient of every message). */
  readonly changesPerCycle: number;
  /** The first cycle (first sight of every recipient), ms; not in the ratio. */
  readonly firstSightMs: number;
}

export async function measureOverhead(
  options: { messages?: number; recipients?: number; reps?: number } = {},
): Promise<OverheadResult> {
  const messages = options.messages ?? 200;
  const recipients = options.recipients ?? 20;
  const reps = Math.min(options.reps ?? 5, STEPS.length);
  const lb = await startLoopback();
  try {
    const sentAt = lb.now;
    const steps = STEPS.map((status, i) => ({ at: sentAt + (i + 1) * MINUTE, status }));
    const ids = Array.from({ length: messages }, (_, i) => String(700_001 + i));
    for (const id of ids) {
      lb.simulator.addMessage(id, lockstepRecipients(recipients, sentAt, steps), { sentAt });
    }
    const limit = pLimit(CONCURRENCY);
    await Promise.all(
      ids.map((id) => limit(() => trackMessage(lb.deps(), id, {}, new Date(lb.now)))),
    );

    const cycle = async () => {
      const started = performance.now();
      const summary = await runCycle(lb.deps(), { force: true, concurrency: CONCURRENCY });
      const ms = performance.now() - started;
      if (summary.messagesPolled !== messages || Object.keys(summary.errors).length > 0) {
        throw new Error(`overhead cycle: ${JSON.stringify(summary.errors)}`);
      }
      return { ms, changes: summary.changes };
    };
    const fetchOnly = async () => {
      const started = performance.now();
      await Promise.all(ids.map((id) => limit(() => lb.provider.bulkStatus(id))));
      return performance.now() - started;
    };

    lb.now = sentAt + 30_000;
    const first = await cycle();
    const cycleMs: number[] = [];
    const fetchMs: number[] = [];
    let changesPerCycle = 0;
    for (let rep = 0; rep < reps; rep++) {
      lb.now = sentAt + (rep + 1) * MINUTE + 30_000;
      // Alternate the order, so neither side always runs on a warmer process.
      if (rep % 2 === 0) fetchMs.push(await fetchOnly());
      const c = await cycle();
      cycleMs.push(c.ms);
      changesPerCycle = c.changes;
      if (rep % 2 === 1) fetchMs.push(await fetchOnly());
    }
    return {
      messages,
      recipients,
      concurrency: CONCURRENCY,
      reps,
      cycleMs,
      fetchMs,
      changesPerCycle,
      firstSightMs: first.ms,
    };
  } finally {
    await lb.close();
  }
}

export interface DiffThroughput {
  readonly recipients: number;
  readonly runs: number;
  /** Median time of one diff, ms. */
  readonly firstSightMs: number;
  readonly unchangedMs: number;
}

/** The pure diff over one reply of `recipients` rows: first sight, then the same reply again. */
export function measureDiff(options: { recipients?: number; runs?: number } = {}): DiffThroughput {
  const count = options.recipients ?? 100_000;
  const runs = options.runs ?? 5;
  const statusAt = new Date(Date.parse('2026-03-02T09:00:05Z')).toISOString();
  const reply = {
    messageId: '600001',
    recipients: Array.from(
      { length: count },
      (_, i): RecipientReport => ({
        email: `r${String(i).padStart(6, '0')}@bench.example.com`,
        token: `tok${String(i).padStart(8, '0')}bench`,
        status: 'Delivered',
        cost: 0.012,
        stopMail: false,
        statusAt,
      }),
    ),
  };
  const ctx = {
    messageId: '600001',
    metadata: { campaign: 'bench' },
    observedAt: new Date('2026-03-02T09:01:00Z'),
  };
  const previous = diffRecipients(new Map(), reply, ctx).changed; // also the warm-up
  const time = (fn: () => unknown) => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      fn();
      samples.push(performance.now() - started);
    }
    return median(samples);
  };
  const firstSightMs = time(() => diffRecipients(new Map(), reply, ctx));
  const unchangedMs = time(() => {
    const out = diffRecipients(previous, reply, ctx);
    if (out.events.length !== 0) throw new Error('unchanged diff produced events');
  });
  return { recipients: count, runs, firstSightMs, unchangedMs };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
