/** The goals of issues 6 and 14, checked against the measured figures. */
import { type AwsRequestsResult, perMessage } from './aws-requests.ts';
import { median } from './overhead.ts';
import { fixed, kb, num } from './report.ts';
import { scheduleGoals } from './schedule-goals.ts';
import type { ScheduleSummary } from './schedule-job.ts';
import type { SizeResult } from './size.ts';

const MB = 1024 * 1024;

export interface Goal {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
  /** What limits it (for a goal not met) or what it rests on. */
  readonly note: string;
}

export interface GoalInputs {
  readonly aws: AwsRequestsResult;
  readonly schedule: readonly ScheduleSummary[];
  readonly size: SizeResult;
}

export function evaluateGoals({ aws, schedule, size }: GoalInputs): Goal[] {
  const goals: Goal[] = [];

  const idle = perMessage(aws.engine.unchanged);
  goals.push({
    goal: 'Unchanged 500-recipient message: ≤ 1 DynamoDB read, no write, no PutEvents',
    measured: `${num(idle.reads, 2)} read (Query), ${num(idle.writes, 2)} write (UpdateItem), ${num(idle.putEventsCalls, 2)} PutEvents`,
    met: idle.reads <= 1 && idle.writes === 0 && idle.putEventsCalls === 0,
    note:
      idle.writes > 0
        ? 'The poll records its schedule (lastPolledAt, nextPollAt = the due index key) with one UpdateItem per poll; the read side is met.'
        : '',
  });

  const busy = perMessage(aws.engine.allChange);
  const writesPerChange = busy.writes / busy.changes;
  const callsPerChange = busy.putEventsCalls / busy.changes;
  goals.push({
    goal: 'All 500 change: ≤ 0.15 DynamoDB write requests and ≤ 0.11 PutEvents calls per change',
    measured: `${fixed(writesPerChange, 3)} write requests, ${fixed(callsPerChange, 3)} PutEvents calls per change`,
    met: writesPerChange <= 0.15 && callsPerChange <= 0.11,
    note: `Per message: ${Object.entries(busy.dynamo)
      .filter(([label]) => !label.startsWith('Query') && !label.startsWith('Get'))
      .map(([label, n]) => `${num(n, 2)} ${label}`)
      .join(', ')}; ${num(busy.putEventsCalls, 2)} PutEvents of 10 entries.`,
  });

  goals.push(...scheduleGoals(schedule));

  const phases = Object.values(size.memory.phases);
  const peakRss = Math.max(...phases.map((p) => p.maxRssMb));
  const peakHeap = Math.max(...phases.map((p) => p.peak.heapUsedMb));
  const rowBytes = size.memory.replyBytes / size.memory.recipients;
  goals.push({
    goal: `Peak memory < 256 MB syncing one message of ${num(size.memory.recipients)} recipients`,
    measured: `RSS ${num(peakRss)} MB, heap used ${num(peakHeap)} MB (sampled)`,
    met: peakRss < 256,
    note:
      peakRss < 256
        ? `With the V8 heap limits Lambda gives a ${num(size.memory.functionMemoryMb)} MB function; the reply (${num(size.memory.replyBytes / MB, 1)} MB, ${num(rowBytes)} bytes a row) is read whole, the message's recipient states are held whole, and it is diffed, committed and published 500 recipients at a time.`
        : `Over the goal with the V8 heap limits of a ${num(size.memory.functionMemoryMb)} MB function: the reply (${num(size.memory.replyBytes / MB, 1)} MB) and every recipient state are held whole while groups of 500 are diffed, committed and published.`,
  });

  const deployed = size.bundles.find((b) => b.deployed);
  const other = size.bundles.find((b) => !b.deployed && !b.whatIf);
  if (deployed) {
    const top = deployed.packages
      .slice(0, 4)
      .map(([name, bytes]) => `${name} ${kb(bytes)}`)
      .join(', ');
    const lean = size.bundles
      .filter((b) => b.whatIf)
      .map(
        (b) =>
          `${kb(b.bytes)} ${b.external.length ? 'with the SDK external' : 'with the SDK bundled'}`,
      );
    goals.push({
      goal: 'Poller bundle < 500 KB (minified, as the stack builds it)',
      measured: `${kb(deployed.bytes)}, ${deployed.label}${other ? `; ${kb(other.bytes)}, ${other.label}` : ''}`,
      met: deployed.bytes < 500 * 1024,
      note: `Largest parts: ${top}. Without zod's translated error messages (kept out since zod is a namespace import): ${lean.join(', ')}.`,
    });
    const importMs = median(deployed.importMs);
    goals.push({
      goal: 'Handler import < 200 ms (fresh node process, median of 5)',
      measured: `${num(importMs)} ms, ${deployed.label} (runs: ${deployed.importMs.map((m) => num(m)).join(', ')}); ${deployed.networkCalls} network calls${
        other ? `; ${num(median(other.importMs))} ms, ${other.label}` : ''
      }`,
      met: importMs < 200,
      note: 'A proxy, not a Lambda cold start: Node 20 on a full core here; Lambda runs Node 24 and gives a 512 MB function about 0.3 vCPU (1 vCPU at 1,769 MB), so expect the import to take longer there.',
    });
  }
  return goals;
}
