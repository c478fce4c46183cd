/**
 * The polling loop of `npm start`: every interval, one cycle for the demo's
 * messages under the demo's fast lifecycle, and one for the messages the user
 * tracks (CLI, TrackMessage) under the real lifecycle settings, the ones the
 * Lambda would read from the environment. The two share the store; each cycle
 * sees only its own messages, so a demo rule (a 60-second not-found limit, a
 * 5-minute tracking window) never ends a message of the user's.
 */
import { formatSummaryLine } from '../cli/format.ts';
import type { LifecyclePolicy } from '../shared/lifecycle/policy.ts';
import type { StatusStore, SyncDeps } from '../shared/ports.ts';
import { type CycleSummary, runCycle } from '../shared/sync/sync-cycle.ts';
import type { MessageOutcome } from '../shared/sync/sync-message.ts';

export interface SyncLoopOptions {
  readonly base: Omit<SyncDeps, 'policy' | 'log'>;
  readonly isDemo: (messageId: string) => boolean;
  readonly demoPolicy: LifecyclePolicy;
  readonly userPolicy: LifecyclePolicy;
  readonly intervalMs: number;
  readonly say: (line: string) => void;
  /** After each round (the demo adds a batch when its last one has ended). */
  readonly afterCycle?: () => Promise<void>;
  /** A configuration error stopped a cycle: every later one would fail alike. */
  readonly onFatal: () => void;
}

export interface SyncLoop {
  /** Stops scheduling and waits for the running round. */
  stop(): Promise<void>;
}

/** A view of the store whose due list holds only the messages `keep` accepts. */
function onlyMessages(store: StatusStore, keep: (id: string) => boolean): StatusStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'listDue') {
        const listDue: StatusStore['listDue'] = async (now, options) =>
          (await target.listDue(now, { force: options?.force ?? false })).filter((m) =>
            keep(m.messageId),
          );
        return listDue;
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Starts polling at once; returns the handle that stops it. */
export function startSyncLoop(options: SyncLoopOptions): SyncLoop {
  const { say } = options;
  const log = {
    info: () => undefined,
    warn: (m: string, x: Record<string, unknown>) => say(`warn: ${m} ${JSON.stringify(x)}`),
    error: (m: string, x: Record<string, unknown>) => say(`error: ${m} ${JSON.stringify(x)}`),
  };
  const demo: SyncDeps = {
    ...options.base,
    store: onlyMessages(options.base.store, options.isDemo),
    policy: options.demoPolicy,
    log,
  };
  const user: SyncDeps = {
    ...options.base,
    store: onlyMessages(options.base.store, (id) => !options.isDemo(id)),
    policy: options.userPolicy,
    log,
  };
  const onOutcome = (o: MessageOutcome) => {
    if (o.kind === 'error' && o.errorKind === 'not-found') {
      say(`· ${o.messageId}: not visible at MailPartner yet (code 4), polling again`);
    } else if (o.kind === 'error') say(`! ${o.messageId}: ${o.errorKind}: ${o.message}`);
  };

  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const round = async (): Promise<boolean> => {
    const demoSummary = await runCycle(demo, { onOutcome });
    say(formatSummaryLine(demoSummary));
    let userSummary: CycleSummary | null = null;
    if (!fatal(demoSummary)) {
      userSummary = await runCycle(user, { onOutcome });
      if (userSummary.messagesDue > 0) say(`yours: ${formatSummaryLine(userSummary)}`);
    }
    if (fatal(demoSummary) || (userSummary && fatal(userSummary))) return true;
    await options.afterCycle?.();
    return false;
  };
  const loop = () => {
    if (stopping) return;
    running = round()
      .catch((error: unknown) => {
        say(`cycle failed: ${String(error)}`);
        return false;
      })
      .then((isFatal) => {
        if (isFatal) options.onFatal();
        else if (!stopping) timer = setTimeout(loop, options.intervalMs);
      });
  };
  loop();
  return {
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await running.catch(() => undefined);
    },
  };
}

function fatal(summary: CycleSummary): boolean {
  return summary.stoppedBy === 'configuration';
}
