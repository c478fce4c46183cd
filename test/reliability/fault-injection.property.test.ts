/**
 * The delivery promise under fire: every status change reaches the bus with a
 * stable id, and nothing else, whatever the provider, DynamoDB and EventBridge do
 * and wherever the poller dies.
 *
 * Each history: 1 to 3 tracked messages with random provider timelines (statuses
 * in odd case and unknown strings, Object.prototype names as statuses, addresses
 * and tokens, oversized rows: a 314-character address, a 512-character token, a
 * 200-character status, stopMail flips, recipients appearing late or
 * missing from a reply, rows listed twice, JSON or XML), provider faults between
 * the replies (5xx, 429 as HTTP and as code, code 4, unknown code, HTML, empty,
 * truncated, reset mid-body, network error, rows without email), AWS faults
 * (throttling, lost responses, a retried conditional write failing its own
 * condition, unprocessed batch items, short query pages, PutEvents throttled,
 * 500, per-entry failures) and crashes before or after any collaborator call;
 * one or two pollers, one or several messages at a time. Then the faults stop,
 * the provider settles on its final reply, clean cycles run until nothing
 * changes, and the invariants are checked.
 *
 * Runs the production client, diff, store and publisher over in-process fakes of
 * fetch, DynamoDB and EventBridge (see test/support/reliability-*.ts and
 * docs/reliability.md). `FAULT_RUNS` sets the number of histories (default 200),
 * `FAULT_SEED` the seed.
 */
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScriptedRecipient } from '../../local/simulator/replies.ts';
import type { CatalogEvent } from '../../shared/catalog/events.ts';
import { eventIdFor } from '../../shared/diff/event-id.ts';
import { mergeReports } from '../../shared/diff/merge-rows.ts';
import { classifyStatus, normalizeStatus } from '../../shared/diff/status.ts';
import { trackingStarted } from '../../shared/lifecycle/message-events.ts';
import {
  countByStatus,
  isFinalRecipient,
  type LifecyclePolicy,
  lifecyclePolicy,
} from '../../shared/lifecycle/policy.ts';
import { createMailPartnerClient } from '../../shared/mailpartner/client.ts';
import { recipientKey } from '../../shared/model.ts';
import type { SyncDeps } from '../../shared/ports.ts';
import { EventBridgePublisher } from '../../shared/publisher/eventbridge-publisher.ts';
import { DynamoStatusStore } from '../../shared/store/dynamo-status-store.ts';
import { runCycle } from '../../shared/sync/sync-cycle.ts';
import {
  type AwsChaosRates,
  busChaos,
  CrashPlan,
  CYCLE,
  dynamoChaos,
  FaultCounter,
  KeyedRandom,
  NO_CHAOS,
} from '../support/reliability-chaos.ts';
import { FakeDynamoDB, type Item } from '../support/reliability-dynamodb-fake.ts';
import { FakeEventBus } from '../support/reliability-eventbridge-fake.ts';
import {
  FAKE_PROVIDER_URL,
  type ProviderStep,
  ScriptedMailPartner,
} from '../support/reliability-provider-fake.ts';

const RUNS = Number(process.env.FAULT_RUNS ?? 200);
/** Print every collaborator call of a failing history (use with a small FAULT_RUNS). */
const TRACE = process.env.FAULT_TRACE === '1';
const SEED = Number(process.env.FAULT_SEED ?? 20_261_127);
const API_KEY = 'mp-fault-KEY-5d1e';
const TABLE = 'status-sync-faults';
const T0 = Date.parse('2026-11-27T09:00:00.000Z');
const MESSAGE_IDS = ['m-1', '300', 'msg/ü?&=#'];
/** Clean cycles allowed to drain outboxes, reach the final state and retire ended messages. */
const QUIET_CYCLES = 10;

/**
 * Lifecycle policies. `long`: nothing ends within a history (about 20 minutes of
 * fake time), so every message must reach the provider's final reply. `short`:
 * messages complete, expire or are given up during the history, so the ending
 * path (finish, META outbox, retire) runs under faults too.
 */
const POLICIES: Readonly<Record<'long' | 'short', LifecyclePolicy>> = {
  long: lifecyclePolicy(),
  short: lifecyclePolicy({
    minIntervalMs: 60_000,
    maxIntervalMs: 180_000,
    trackingWindowMs: 5 * 60_000,
    engagementWindowMs: 30_000,
    settledIntervalMs: 60_000,
    notFoundGraceMs: 90_000,
    notFoundIntervalMs: 60_000,
  }),
};

const ENDING_EVENTS: Readonly<Record<string, string>> = {
  completed: 'MessageTrackingCompleted',
  expired: 'MessageTrackingExpired',
  'not-found': 'MessageNotFound',
};

/** Counts as own entries, in any order (endings list the most frequent status first). */
function sameCounts(announced: unknown, stored: Record<string, number>): boolean {
  const entries = (x: unknown) =>
    JSON.stringify(Object.entries((x ?? {}) as Record<string, number>).sort());
  return entries(announced) === entries(stored);
}

// ---------------------------------------------------------------------------
// Histories

/** Recipients: same address twice with two tokens, NFC vs NFD, zero-width, RTL, emoji. */
const IDENTITIES = [
  { email: 'ann@example.com', token: 't1' },
  { email: 'ann@example.com', token: 't2' },
  { email: 'bob@example.com', token: '' },
  { email: 'zoë@exämple.fr', token: 'tok-ü' },
  { email: 'zoe\u0308@exa\u0308mple.fr', token: 'tok-ü' },
  { email: 'zero\u200bwidth@x.fr', token: 'z' },
  { email: 'rtl\u202e@x.fr', token: 'r' },
  { email: '😀@x.fr', token: '😀' },
  { email: 'UPPER@Example.COM', token: 'u' },
  // Object.prototype names as addresses and tokens (issue 16 finding 1).
  { email: 'constructor', token: '__proto__' },
  { email: '__proto__', token: 'toString' },
  // Oversized but accepted rows: a 64 + 250 character address, a 512-character token.
  {
    email: `${'l'.repeat(64)}@${'d'.repeat(63)}.${'o'.repeat(63)}.${'m'.repeat(63)}.${'n'.repeat(57)}`,
    token: 'k'.repeat(512),
  },
] as const;

/** Statuses named after Object.prototype members: they once wedged a message (issue 16 finding 1). */
const PROTOTYPE_STATUSES = [
  'constructor',
  'toString',
  'valueOf',
  '__proto__',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
] as const;

/** The longest status the parser takes (200 characters). */
const LONG_STATUS = `Waiting ${'x'.repeat(192)}`;

const STATUS_POOL = [
  'Delivered',
  'DELIVERED',
  ' delivered ',
  'Not delivered',
  'not_delivered',
  'Waiting',
  'waiting',
  'Pending',
  'sent',
  'Opened',
  'Clicked',
  'Bounced',
  'hard_bounce',
  'ko',
  'Failed',
  '',
  'Something New',
  'something-new',
] as const;

/** JSON can carry control characters and lone surrogates; XML 1.0 cannot, so they stay JSON-only. */
const JSON_ONLY_STATUSES = ['Deliv\u0007ered', 'Tab\tbed', 'nul\u0000', '\ud800half'] as const;

const statusFor = (format: Format) =>
  format === 'xml'
    ? fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...STATUS_POOL) },
        { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_STATUSES, LONG_STATUS) },
      )
    : fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...STATUS_POOL) },
        { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_STATUSES, LONG_STATUS) },
        { weight: 1, arbitrary: fc.constantFrom(...JSON_ONLY_STATUSES) },
        { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
      );

type Format = 'json' | 'xml';

interface Row {
  readonly status: string;
  readonly stopMail: boolean;
  readonly cost: number;
  /** Unix seconds, or a string sent verbatim; undefined = the clock now. */
  readonly date: number | string | undefined;
  /** Listed in this (non-final) reply. */
  readonly present: boolean;
}

interface MessagePlan {
  readonly identities: readonly number[];
  /** Per identity slot: the reply in which it first appears. */
  readonly firstSeen: readonly number[];
  /** Replies × identity slots. */
  readonly replies: readonly (readonly Row[])[];
  /** Provider faults served before each reply. */
  readonly faults: readonly (readonly ProviderStep[])[];
  /** Reply in which the first recipient is listed twice (an older row first), -1 for none. */
  readonly duplicateIn: number;
  /** Polls answered "message not found" (code 4) before the first reply. */
  readonly unknownFor: number;
  readonly metadata: Readonly<Record<string, string>>;
}

interface History {
  readonly seed: number;
  readonly format: Format;
  readonly messages: readonly MessagePlan[];
  readonly cycles: number;
  readonly pollers: number;
  readonly concurrency: number;
  readonly forceRate: number;
  readonly crashRate: number;
  readonly policy: keyof typeof POLICIES;
  readonly rates: AwsChaosRates;
}

const providerFault: fc.Arbitrary<ProviderStep> = fc.constantFrom<ProviderStep>(
  { kind: 'http', status: 502 },
  { kind: 'http', status: 503 },
  { kind: 'http', status: 429 },
  { kind: 'code', code: 429 },
  { kind: 'code', code: 4 },
  { kind: 'code', code: 99 },
  { kind: 'html' },
  { kind: 'empty' },
  { kind: 'truncated' },
  { kind: 'reset' },
  { kind: 'network' },
  {
    kind: 'raw',
    body: '{"success":true,"code":200,"StatutResponseList":[{"status":"Delivered"}]}',
  },
  { kind: 'raw', body: '<result><entry>true</entry>', contentType: 'application/xml' },
);

const SLOTS = 4;
const REPLIES = 5;

const rowFor = (format: Format): fc.Arbitrary<Row> =>
  fc.record({
    status: statusFor(format),
    stopMail: fc.boolean(),
    cost: fc.constantFrom(0, 1, 0.5),
    date: fc.constantFrom<Row['date']>(undefined, 1_764_230_400, 0, -5, 99_999_999_999_999, 'x'),
    present: fc.boolean(),
  });

const messageFor = (format: Format): fc.Arbitrary<MessagePlan> =>
  fc.integer({ min: 1, max: REPLIES }).chain((replyCount) =>
    fc.record({
      identities: fc.uniqueArray(fc.nat({ max: IDENTITIES.length - 1 }), {
        minLength: 1,
        maxLength: SLOTS,
      }),
      firstSeen: fc.array(fc.nat({ max: replyCount - 1 }), { minLength: SLOTS, maxLength: SLOTS }),
      replies: fc.array(fc.array(rowFor(format), { minLength: SLOTS, maxLength: SLOTS }), {
        minLength: replyCount,
        maxLength: replyCount,
      }),
      faults: fc.array(fc.array(providerFault, { maxLength: 2 }), {
        minLength: replyCount,
        maxLength: replyCount,
      }),
      duplicateIn: fc.integer({ min: -1, max: replyCount - 1 }),
      unknownFor: fc.constantFrom(0, 0, 0, 2, 6),
      metadata: fc.constantFrom<Record<string, string>>(
        {},
        { campaign: 'spring' },
        { tenant: "' OR 1=1 --", note: '🚀 <script>' },
      ),
    }),
  );

/** How faulty a history is: calm, rare faults, or a storm. */
const level = fc.constantFrom(0, 0.02, 0.05, 0.15, 0.3);

/** Each fault kind on or off, all at the history's level: calm histories stay calm. */
const rates: fc.Arbitrary<AwsChaosRates> = fc
  .tuple(level, fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }))
  .map(([p, on]) => {
    const at = (i: number) => (on[i] ? p : 0);
    return {
      dynamoThrottle: at(0),
      dynamoLostResponse: at(1),
      dynamoRetriedCondition: at(2),
      dynamoUnprocessed: at(3),
      dynamoShortPage: at(4),
      busThrottle: at(5),
      busInternal: at(6),
      busEntry: at(7),
      busLostResponse: at(8),
    };
  });

const historyArb: fc.Arbitrary<History> = fc
  .constantFrom<Format>('json', 'json', 'xml')
  .chain((format) =>
    fc.record({
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      format: fc.constant(format),
      messages: fc.array(messageFor(format), { minLength: 1, maxLength: MESSAGE_IDS.length }),
      cycles: fc.integer({ min: 2, max: 12 }),
      pollers: fc.constantFrom(1, 1, 2),
      concurrency: fc.constantFrom(1, 4),
      forceRate: fc.constantFrom(1, 0.5),
      crashRate: fc.constantFrom(0, 0.03, 0.1, 0.2),
      policy: fc.constantFrom<keyof typeof POLICIES>('long', 'short'),
      rates,
    }),
  );

// ---------------------------------------------------------------------------
// What the provider shows

interface Shown {
  readonly email: string;
  readonly token: string;
  /** Every status this recipient was listed with, as it arrives (XML trims). */
  readonly statuses: Set<string>;
  readonly stopMails: Set<boolean>;
}

interface Script {
  readonly messageId: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly steps: ProviderStep[];
  /** Each recipient's word in the final reply (duplicate rows merged), by recipientKey. */
  readonly final: Map<string, { status: string; stopMail: boolean }>;
  readonly shown: Map<string, Shown>;
}

function scriptOf(messageId: string, plan: MessagePlan, format: Format): Script {
  const wire = (status: string) => (format === 'xml' ? status.trim() : status);
  const steps: ProviderStep[] = Array.from({ length: plan.unknownFor }, () => ({
    kind: 'code' as const,
    code: 4,
  }));
  const shown = new Map<string, Shown>();
  const final = new Map<string, { status: string; stopMail: boolean }>();
  plan.replies.forEach((rows, r) => {
    steps.push(...(plan.faults[r] ?? []));
    const last = r === plan.replies.length - 1;
    const listed: ScriptedRecipient[] = [];
    plan.identities.forEach((identity, slot) => {
      const row = rows[slot] as Row;
      if (!last && (r < (plan.firstSeen[slot] ?? 0) || !row.present)) return;
      const who = IDENTITIES[identity] as (typeof IDENTITIES)[number];
      const key = recipientKey(who);
      // What the engine takes from this reply for the recipient (merged when listed twice).
      let word = { status: wire(row.status), stopMail: row.stopMail };
      if (slot === 0 && plan.duplicateIn === r) {
        // An older row for the same recipient first: the rows merge (shared/diff/merge-rows.ts:
        // stopMail true wins, the more advanced status wins, else the later row).
        const older = rows[(slot + 1) % SLOTS] as Row;
        listed.push({ ...who, status: older.status, stopMail: older.stopMail });
        remember(shown, who, wire(older.status), older.stopMail);
        const asReport = (status: string, stopMail: boolean) => ({
          ...who,
          status,
          stopMail,
          cost: null,
          statusAt: null,
        });
        const merged = mergeReports(
          asReport(wire(older.status), older.stopMail),
          asReport(word.status, word.stopMail),
        );
        word = { status: merged.status, stopMail: merged.stopMail };
        remember(shown, who, word.status, word.stopMail);
      }
      listed.push({
        ...who,
        status: row.status,
        stopMail: row.stopMail,
        cost: row.cost,
        ...(row.date === undefined ? {} : { date: row.date }),
      });
      remember(shown, who, wire(row.status), row.stopMail);
      if (last) final.set(key, word);
    });
    steps.push({ kind: 'ok', recipients: listed });
  });
  return { messageId, metadata: plan.metadata, steps, final, shown };
}

function remember(
  shown: Map<string, Shown>,
  who: { email: string; token: string },
  status: string,
  stopMail: boolean,
): void {
  const key = recipientKey(who);
  const entry = shown.get(key) ?? { ...who, statuses: new Set(), stopMails: new Set() };
  entry.statuses.add(status);
  entry.stopMails.add(stopMail);
  shown.set(key, entry);
}

// ---------------------------------------------------------------------------
// One history

interface HistoryReport {
  readonly problems: string[];
  readonly transitions: number;
  readonly deliveries: number;
  readonly lost: number;
  readonly invented: number;
  readonly faults: FaultCounter;
  readonly outcomes: FaultCounter;
}

const noSleep = async () => {};

type StoredEvent = { detailType: string; detail: Record<string, unknown> };

/**
 * The events in a stored item's outbox: a state chunk's gzipped `data`, or
 * META's `outbox` (JSON). Read straight from the bytes written, so the oracle
 * does not trust the store's own decoding.
 */
function storedOutbox(item: Item | undefined): StoredEvent[] {
  if (!item) return [];
  if (item.data?.B) {
    const chunk = JSON.parse(gunzipSync(item.data.B).toString('utf8')) as {
      outbox?: StoredEvent[];
    };
    return chunk.outbox ?? [];
  }
  if (item.outbox?.S) return JSON.parse(item.outbox.S) as StoredEvent[];
  return [];
}

/** The detail without `observedAt`: what must be identical for one eventId. */
function transitionText(event: { detailType: string; detail: Record<string, unknown> }): string {
  const { observedAt: _observedAt, ...rest } = event.detail;
  return JSON.stringify([event.detailType, rest]);
}

/** Deliberate breakage of the engine, to prove the checks catch it. */
type Sabotage = (deps: SyncDeps) => SyncDeps;

async function runHistory(h: History, sabotage: Sabotage = (d) => d): Promise<HistoryReport> {
  const problems: string[] = [];
  const trace: string[] = [];
  const faults = new FaultCounter();
  const outcomes = new FaultCounter();
  const random = new KeyedRandom(h.seed);
  let now = T0;
  const db = new FakeDynamoDB();
  const bus = new FakeEventBus();
  const mailpartner = new ScriptedMailPartner({ apiKey: API_KEY, clock: () => now });

  // The oracle of "committed": every event that ever sat in a stored outbox.
  const committed = new Map<string, string>();
  db.observe((_table, _before, after) => {
    for (const event of storedOutbox(after)) {
      const id = String(event.detail.eventId);
      const text = transitionText(event);
      const seen = committed.get(id);
      if (seen !== undefined && seen !== text) {
        problems.push(`eventId ${id} committed as two transitions`);
      }
      committed.set(id, text);
    }
  });

  const scripts = h.messages.map((plan, i) => scriptOf(MESSAGE_IDS[i] as string, plan, h.format));
  for (const s of scripts) mailpartner.script(s.messageId, s.steps);

  const collaborators = (label: string, chaotic: boolean) => ({
    store: new DynamoStatusStore({
      client: db.client(chaotic ? dynamoChaos(random, label, h.rates, faults) : {}),
      tableName: TABLE,
      sleep: noSleep,
    }),
    publisher: new EventBridgePublisher({
      client: bus.client(chaotic ? busChaos(random, label, h.rates, faults) : {}),
      eventBusName: 'default',
      maxAttempts: 3,
      sleep: noSleep,
      random: () => 0.5,
    }),
    provider: createMailPartnerClient({
      apiKey: API_KEY,
      baseUrl: FAKE_PROVIDER_URL,
      format: h.format,
      retries: 1,
      minBackoffMs: 0,
      fetch: mailpartner.fetch,
    }),
  });
  type Collaborators = ReturnType<typeof collaborators>;
  const depsOf = (c: Collaborators, crash?: CrashPlan): SyncDeps =>
    sabotage({
      store: crash ? crash.wrap(c.store, 'store') : c.store,
      publisher: crash ? crash.wrap(c.publisher, 'publisher') : c.publisher,
      provider: crash ? crash.wrap(c.provider, 'provider') : c.provider,
      clock: () => new Date(now),
      policy: POLICIES[h.policy],
    });

  const clean = collaborators('clean', false);
  await clean.store.admin.createTable();
  // MessageTrackingStarted waits in the outbox: the first (faulty) cycle publishes it.
  for (const s of scripts) {
    await clean.store.track(s.messageId, s.metadata, new Date(now), trackingStarted);
  }

  // Chaos.
  const pollers = Array.from({ length: h.pollers }, (_, p) => collaborators(`p${p}`, true));
  for (let cycle = 0; cycle < h.cycles; cycle++) {
    now += 61_000;
    const force = random.chance(`cycle ${cycle} force`, h.forceRate);
    await Promise.all(
      pollers.map(async (c, p) => {
        // Each collaborator call of a message's sync is a place to die.
        const crash = new CrashPlan(
          (messageId, method, occurrence) => {
            const stream = `crash|${cycle}|${p}|${messageId}|${method}|${occurrence}`;
            const hazard = messageId === CYCLE ? h.crashRate / 4 : h.crashRate;
            if (!random.chance(stream, hazard)) return null;
            return random.next(stream) < 0.5 ? 'before' : 'after';
          },
          faults,
          TRACE
            ? (line) => trace.push(`c${cycle} p${p} t+${(now - T0) / 1000}s ${line}`)
            : undefined,
        );
        try {
          const summary = await runCycle(depsOf(c, crash), {
            force,
            concurrency: h.concurrency,
          });
          outcomes.add('cycles');
          for (const o of summary.outcomes) {
            outcomes.add(o.kind === 'error' ? `error: ${o.errorKind}` : o.kind);
            if (o.finished) outcomes.add(`ended: ${o.finished}`);
          }
          outcomes.add('skipped', summary.skipped);
        } catch (error) {
          outcomes.add(`cycle aborted: ${(error as Error).name}`);
        }
      }),
    );
  }

  // Quiet: no more faults, the provider settles on its final reply.
  mailpartner.finish();
  const cleanDeps = depsOf(
    clean,
    TRACE
      ? new CrashPlan(
          () => null,
          faults,
          (line) => trace.push(`clean t+${(now - T0) / 1000}s ${line}`),
        )
      : undefined,
  );
  let quiet = false;
  for (let i = 0; i < QUIET_CYCLES && !quiet; i++) {
    now += 61_000;
    const summary = await runCycle(cleanDeps, { force: true });
    const failed = summary.outcomes.find((o) => o.kind === 'error');
    // Code 4 is an answer, not a failure: a message may still be unknown at the provider.
    if (failed?.kind === 'error' && failed.errorKind !== 'not-found') {
      problems.push(`clean cycle ${i + 1} failed: ${failed.messageId}: ${failed.message}`);
    }
    const active = new Set(summary.outcomes.map((o) => o.messageId));
    quiet =
      summary.outcomes.every(
        (o) => o.kind === 'unchanged' && o.recovered === 0 && o.finished === null,
      ) && scripts.every((s) => !active.has(s.messageId) || mailpartner.finalServed(s.messageId));
  }
  if (!quiet) problems.push(`not quiet after ${QUIET_CYCLES} clean cycles`);

  const lostOrInvented = await checkInvariants(h, scripts, clean.store, bus, committed, problems);
  for (const [kind, n] of mailpartner.served) if (kind !== 'ok') faults.add(`provider: ${kind}`, n);
  if (TRACE && problems.length > 0) {
    problems.push(
      'trace:',
      ...trace,
      'bus:',
      ...bus.events.map((e) => `${e.detailType} ${JSON.stringify(e.detail)}`),
    );
  }
  return {
    problems,
    transitions: committed.size,
    deliveries: bus.events.length,
    ...lostOrInvented,
    faults,
    outcomes,
  };
}

// ---------------------------------------------------------------------------
// Invariants

async function checkInvariants(
  h: History,
  scripts: readonly Script[],
  store: DynamoStatusStore,
  bus: FakeEventBus,
  committed: ReadonlyMap<string, string>,
  problems: string[],
): Promise<{ lost: number; invented: number }> {
  // Published = committed, as sets of eventIds; one transition per eventId.
  const published = new Map<string, Record<string, unknown>>();
  for (const event of bus.events) {
    // Poison-message reports are operational alerts sent straight to the bus (the store may
    // be what fails), not status changes: outside the outbox, checked for shape only.
    if (event.detailType === 'MessagePollFailing') {
      if (!(Number(event.detail.failures) >= 5))
        problems.push('MessagePollFailing before 5 failures');
      continue;
    }
    const id = String(event.detail.eventId);
    const text = transitionText(event);
    if (committed.has(id) && committed.get(id) !== text) {
      problems.push(`eventId ${id} published with another detail than committed`);
    }
    if (!published.has(id)) published.set(id, { ...event.detail, detailType: event.detailType });
  }
  const lost = [...committed.keys()].filter((id) => !published.has(id));
  const invented = [...published.keys()].filter((id) => !committed.has(id));
  if (lost.length > 0) problems.push(`lost (committed, never published): ${lost.join(', ')}`);
  if (invented.length > 0)
    problems.push(`invented (published, never committed): ${invented.join(', ')}`);

  // Chains per recipient: sequences 1..n exactly once, previousStatus linking, ids derived.
  const chains = new Map<string, Record<string, unknown>[]>();
  const messageEvents = new Map<string, Record<string, unknown>[]>();
  for (const d of published.values()) {
    if (d.sequence === undefined) {
      const id = String(d.messageId);
      messageEvents.set(id, [...(messageEvents.get(id) ?? []), d]);
      continue;
    }
    const key = `${String(d.messageId)}\u0001${recipientKey(d as { email: string; token: string })}`;
    chains.set(key, [...(chains.get(key) ?? []), d]);
  }
  for (const [key, chain] of chains) {
    chain.sort((a, b) => Number(a.sequence) - Number(b.sequence));
    let previous: unknown = null;
    chain.forEach((d, i) => {
      if (d.sequence !== i + 1) problems.push(`${key}: sequence ${String(d.sequence)} at ${i + 1}`);
      if (d.previousStatus !== previous) {
        problems.push(
          `${key}#${i + 1}: previousStatus ${String(d.previousStatus)} ≠ ${String(previous)}`,
        );
      }
      previous = d.status;
      const expectedId = eventIdFor({
        messageId: String(d.messageId),
        recipientKey: recipientKey(d as { email: string; token: string }),
        sequence: Number(d.sequence),
        detailType: d.detailType as CatalogEvent['detailType'],
        previousStatus: d.previousStatus as string | null,
        status: String(d.status),
        stopMail: Boolean(d.stopMail),
      });
      if (expectedId !== d.eventId)
        problems.push(`${key}#${i + 1}: eventId is not the transition's id`);
    });
  }

  for (const script of scripts) {
    const mine = (key: string) => chains.get(`${script.messageId}\u0001${key}`) ?? [];
    // Nothing invented: every event is about a recipient and a status the provider showed.
    for (const [key, chain] of chains) {
      if (!key.startsWith(`${script.messageId}\u0001`)) continue;
      const rk = key.slice(script.messageId.length + 1);
      const shown = script.shown.get(rk);
      if (!shown) {
        problems.push(`${key}: events for a recipient the provider never listed`);
        continue;
      }
      for (const d of chain) {
        const status = String(d.status);
        if (!shown.statuses.has(status))
          problems.push(`${key}: status ${JSON.stringify(status)} never shown`);
        const allowed = [classifyStatus(status), 'RecipientUnsubscribed', 'RecipientStatusChanged'];
        if (!allowed.includes(d.detailType as never))
          problems.push(`${key}: ${String(d.detailType)} for ${status}`);
        if (d.messageId !== script.messageId) problems.push(`${key}: wrong messageId`);
        if (JSON.stringify(d.metadata) !== JSON.stringify(script.metadata)) {
          problems.push(`${key}: metadata not echoed`);
        }
      }
    }
    const loaded = await store.load(script.messageId);
    if (!loaded) {
      problems.push(`${script.messageId}: not tracked any more`);
      continue;
    }
    if (loaded.outbox.length > 0) problems.push(`${script.messageId}: outbox not empty`);
    const audited = new Set((await store.audit.history(script.messageId)).map((r) => r.eventId));

    // Message-level events: one start, first on the bus; at most one ending, matching the state.
    const lifecycle = messageEvents.get(script.messageId) ?? [];
    const kinds = lifecycle.map((d) => String(d.detailType));
    if (kinds.filter((k) => k === 'MessageTrackingStarted').length !== 1) {
      problems.push(
        `${script.messageId}: ${kinds.join(',')}: not exactly one MessageTrackingStarted`,
      );
    }
    const firstDelivery = bus.events.find((e) => e.detail.messageId === script.messageId);
    if (firstDelivery && firstDelivery.detailType !== 'MessageTrackingStarted') {
      problems.push(
        `${script.messageId}: ${firstDelivery.detailType} reached the bus before MessageTrackingStarted`,
      );
    }
    for (const d of lifecycle) {
      if (!audited.has(String(d.eventId)))
        problems.push(`${script.messageId}: ${String(d.detailType)} not audited`);
    }
    const state = loaded.message.state;
    const endings = lifecycle.filter((d) =>
      Object.values(ENDING_EVENTS).includes(String(d.detailType)),
    );
    const recipients = [...loaded.recipients.values()];
    if (state === 'active') {
      if (endings.length > 0)
        problems.push(
          `${script.messageId}: active but announced ${String(endings[0]?.detailType)}`,
        );
    } else {
      const ending = endings[0];
      if (!ending || endings.length !== 1 || ending.detailType !== ENDING_EVENTS[state]) {
        problems.push(
          `${script.messageId}: state ${state} but endings ${endings.map((d) => d.detailType).join(',') || 'none'}`,
        );
      } else if (
        state !== 'not-found' &&
        sameCounts(ending.counts, countByStatus(recipients)) === false
      ) {
        // Nothing may be committed after the end: the announcement describes the final state.
        problems.push(
          `${script.messageId}: ${state} announced counts ${JSON.stringify(ending.counts)}, stored ${JSON.stringify(countByStatus(recipients))}`,
        );
      }
      // A recipient that was final once stays final (finalAt), as the lifecycle decides.
      if (
        state === 'completed' &&
        recipients.some((r) => !isFinalRecipient(POLICIES[h.policy], r))
      ) {
        problems.push(`${script.messageId}: completed with a pending recipient`);
      }
      if (state === 'not-found' && recipients.length > 0)
        problems.push(`${script.messageId}: not-found with recipients`);
      if (h.policy === 'long')
        problems.push(`${script.messageId}: ended (${state}) under the long policy`);
    }
    const due = await store.listDue(new Date(T0 + 86_400_000), { force: true });
    if (state !== 'active' && due.some((m) => m.messageId === script.messageId)) {
      problems.push(`${script.messageId}: ended but still in the due index`);
    }

    // Stored state is exactly what each chain's last event said.
    for (const [rk, stored] of loaded.recipients) {
      const last = mine(rk).at(-1);
      if (
        !last ||
        stored.status !== last.status ||
        stored.stopMail !== last.stopMail ||
        stored.sequence !== mine(rk).length ||
        stored.lastEventId !== last.eventId
      ) {
        problems.push(`${script.messageId}/${JSON.stringify(rk)}: stored state ≠ last event`);
      }
    }
    if (state !== 'active') continue;

    // Still tracked: the provider's final reply is the end of every chain, and the stored state.
    for (const [rk, final] of script.final) {
      const chain = mine(rk);
      const last = chain.at(-1);
      const label = `${script.messageId}/${JSON.stringify(rk)}`;
      if (!last || !loaded.recipients.has(rk)) {
        problems.push(
          `${label}: final status ${JSON.stringify(final.status)} never published or stored`,
        );
        continue;
      }
      if (
        normalizeStatus(String(last.status)) !== normalizeStatus(final.status) ||
        last.stopMail !== final.stopMail
      ) {
        problems.push(
          `${label}: last event says ${String(last.status)}/${String(last.stopMail)}, provider ${final.status}/${final.stopMail}`,
        );
      }
      for (const d of chain) {
        if (!audited.has(String(d.eventId)))
          problems.push(`${label}: event ${String(d.eventId)} has no audit record`);
      }
    }
    for (const rk of loaded.recipients.keys()) {
      if (!script.shown.has(rk))
        problems.push(`${script.messageId}: stored a recipient never listed`);
    }
  }
  return { lost: lost.length, invented: invented.length };
}

// ---------------------------------------------------------------------------

describe('fault injection: the delivery promise holds over random histories', () => {
  it(
    `${RUNS} histories (seed ${SEED}): published = committed, chains gapless, final state reached`,
    async () => {
      const totals = {
        histories: 0,
        messages: 0,
        transitions: 0,
        deliveries: 0,
        lost: 0,
        invented: 0,
      };
      const faults = new FaultCounter();
      const outcomes = new FaultCounter();
      await fc.assert(
        fc.asyncProperty(historyArb, async (h) => {
          const report = await runHistory(h);
          if (report.problems.length > 0) {
            const shown = TRACE ? report.problems : report.problems.slice(0, 20);
            throw new Error(`${report.problems.length} problem(s):\n${shown.join('\n')}`);
          }
          totals.histories += 1;
          totals.messages += h.messages.length;
          totals.transitions += report.transitions;
          totals.deliveries += report.deliveries;
          totals.lost += report.lost;
          totals.invented += report.invented;
          faults.merge(report.faults);
          outcomes.merge(report.outcomes);
        }),
        { seed: SEED, numRuns: RUNS },
      );

      console.info(
        `fault injection: ${JSON.stringify(
          {
            ...totals,
            duplicateDeliveries: totals.deliveries - totals.transitions,
            faultsInjected: faults.total(),
            faultsByKind: faults.toObject(),
            cycleOutcomes: outcomes.toObject(),
          },
          null,
          2,
        )}`,
      );
      expect(totals.histories).toBe(RUNS);
      expect(totals.lost).toBe(0);
      expect(totals.invented).toBe(0);
      expect(totals.transitions).toBeGreaterThan(RUNS);
      if (RUNS < 200) return; // A short debugging run need not reach every fault.
      // Every kind of fault was actually injected somewhere in the run...
      for (const kind of [
        'dynamodb: throttled',
        'dynamodb: applied, response lost',
        'dynamodb: applied, retry failed its condition',
        'dynamodb: unprocessed batch items',
        'dynamodb: short query page',
        'eventbridge: call throttled',
        'eventbridge: call failed (500)',
        'eventbridge: entry ThrottlingException',
        'eventbridge: entry InternalFailure',
        'eventbridge: accepted, response lost',
        'provider: http 502',
        'provider: http 429',
        'provider: code 429',
        'provider: code 4',
        'provider: html',
        'provider: truncated',
        'provider: reset',
        'provider: network',
      ]) {
        expect.soft(faults.get(kind), kind).toBeGreaterThan(0);
      }
      // ...a crash hit every step of a sync, before or after it...
      for (const step of [
        'store.listDue',
        'store.load',
        'store.writeAudit',
        'publisher.publish',
        'store.markPublished',
        'provider.bulkStatus',
        'store.commit',
        'store.recordPoll',
        'store.finish',
        'store.retire',
      ]) {
        const hits = faults.get(`crash before ${step}`) + faults.get(`crash after ${step}`);
        expect.soft(hits, `crash at ${step}`).toBeGreaterThan(0);
      }
      // ...pollers collided, and tracking ended every way it can.
      expect(outcomes.get('error: conflict')).toBeGreaterThan(0);
      for (const state of ['completed', 'expired', 'not-found']) {
        expect.soft(outcomes.get(`ended: ${state}`), state).toBeGreaterThan(0);
      }
    },
    Math.max(120_000, RUNS * 1_500),
  );
});

describe('the checks themselves', () => {
  /** One message, three replies with changes, no faults. */
  const calm: History = {
    seed: 1,
    format: 'json',
    messages: [
      {
        identities: [0, 2],
        firstSeen: [0, 0, 0, 0],
        replies: ['Waiting', 'Delivered', 'Opened'].map((status) =>
          Array.from({ length: SLOTS }, () => ({
            status,
            stopMail: false,
            cost: 1,
            date: undefined,
            present: true,
          })),
        ),
        faults: [[], [], []],
        duplicateIn: -1,
        unknownFor: 0,
        metadata: {},
      },
    ],
    cycles: 4,
    pollers: 1,
    concurrency: 1,
    forceRate: 1,
    crashRate: 0,
    policy: 'long',
    rates: NO_CHAOS,
  };

  it('pass a calm history', async () => {
    const report = await runHistory(calm);
    expect(report.problems).toEqual([]);
    // 2 recipients × 3 statuses, plus MessageTrackingStarted.
    expect(report.transitions).toBe(7);
  });

  it('catch a publisher that reports an event accepted without sending it', async () => {
    let dropped = false;
    const report = await runHistory(calm, (deps) => ({
      ...deps,
      publisher: {
        async publish(events) {
          const victim = dropped ? undefined : events.find((e) => 'sequence' in e.detail);
          if (!victim) return deps.publisher.publish(events);
          dropped = true;
          const result = await deps.publisher.publish(events.filter((e) => e !== victim));
          return { ...result, accepted: [...result.accepted, victim.detail.eventId] };
        },
      },
    }));
    expect(report.lost).toBe(1);
    expect(report.problems.join('\n')).toMatch(/lost \(committed, never published\)/);
  });

  it('catch a store that commits a change without its event', async () => {
    let forgotten = false;
    const report = await runHistory(calm, (deps) => ({
      ...deps,
      store: new Proxy(deps.store, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (prop !== 'commit' || typeof value !== 'function') {
            return typeof value === 'function' ? value.bind(target) : value;
          }
          return (loaded: unknown, input: { events: readonly unknown[] }) => {
            if (forgotten || input.events.length < 2) return value.call(target, loaded, input);
            forgotten = true;
            return value.call(target, loaded, { ...input, events: input.events.slice(1) });
          };
        },
      }),
    }));
    expect(report.problems.join('\n')).toMatch(
      /stored state ≠ last event|sequence|never published/,
    );
  });

  it('catch a publisher that invents an event', async () => {
    let invented = false;
    const report = await runHistory(calm, (deps) => ({
      ...deps,
      publisher: {
        async publish(events) {
          const model = events.find((e) => 'sequence' in e.detail);
          if (invented || !model) return deps.publisher.publish(events);
          invented = true;
          const forged = {
            ...model,
            detail: {
              ...model.detail,
              eventId: '00000000-0000-8000-8000-000000000000',
              status: 'Forged',
            },
          } as CatalogEvent;
          await deps.publisher.publish([forged]);
          return deps.publisher.publish(events);
        },
      },
    }));
    expect(report.invented).toBe(1);
    expect(report.problems.join('\n')).toMatch(/invented/);
  });
});
