/**
 * Rules on the local bus: each accepted event is wrapped in its envelope and,
 * when a rule's pattern matches, handed to that rule's target. Like
 * EventBridge, a rule delivers asynchronously (PutEvents never waits for
 * targets) and a failing target affects neither the bus nor other rules.
 * Deliveries of one rule run one at a time, in the order events arrived.
 */

import { type EnvelopeOrigin, type EventEnvelope, toEnvelope } from './envelope.ts';
import type { EventMatcher } from './event-pattern.ts';
import type { LocalEventBridge } from './eventbridge-server.ts';

/** A rule: a name, a compiled pattern and what to call with each match. */
export interface LocalRule {
  readonly name: string;
  readonly matches: EventMatcher;
  readonly target: (event: EventEnvelope) => unknown;
}

/** What happened to one delivery, for the terminal. */
export interface DeliveryReport {
  readonly rule: string;
  readonly event: EventEnvelope;
  /** Set when the target threw or rejected. */
  readonly error?: unknown;
}

export interface AttachedRules {
  /** Resolves once every delivery started so far has finished. */
  idle(): Promise<void>;
  detach(): void;
}

/** Subscribes `rules` to `bus`; `onDelivered` hears of each finished delivery. */
export function attachRules(
  bus: Pick<LocalEventBridge, 'onEvent'>,
  rules: readonly LocalRule[],
  options: EnvelopeOrigin & { readonly onDelivered?: (report: DeliveryReport) => void },
): AttachedRules {
  const queues = new Map<string, Promise<void>>(rules.map((r) => [r.name, Promise.resolve()]));
  const unsubscribe = bus.onEvent((received) => {
    const event = toEnvelope(received, options);
    for (const rule of rules) {
      if (!rule.matches(event)) continue;
      const previous = queues.get(rule.name) ?? Promise.resolve();
      const next = previous.then(async () => {
        try {
          await rule.target(event);
          options.onDelivered?.({ rule: rule.name, event });
        } catch (error) {
          options.onDelivered?.({ rule: rule.name, event, error });
        }
      });
      queues.set(rule.name, next);
    }
  });
  return {
    async idle() {
      await Promise.all(queues.values());
    },
    detach: unsubscribe,
  };
}
