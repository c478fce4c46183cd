/** The "Held and scheduled sends" section of bench/results.md. */
import type { HeldResult } from './held.ts';
import { duration, num, table } from './report.ts';

export function renderHeld(r: HeldResult): string {
  const before = new Map(r.withoutPlan.map((f) => [f.name, f]));
  const rows = r.withPlan.map((f) => {
    const old = before.get(f.name);
    return [
      f.name,
      num(f.heldHours, 1),
      num(f.requestsBeforeSend),
      num(f.requestsTotal),
      f.ending,
      duration(f.firstEventDelaySeconds),
      old ? `${old.ending}, ${num(old.requestsTotal)} requests` : '—',
    ];
  });
  return [
    '## Held and scheduled sends',
    '',
    `Virtual time, no HTTP (bench/held.ts, pure: the product's \`planSend\` and \`decide\`). One message of two recipients that the provider answers with code 4 until the mail leaves (the commercial hold: no commercial mail 20:00–08:00 Paris time, Sundays, French public holidays; or a \`--send-at\`), then delivered 30 s and 40 s later, opened 20 min later; default settings (the default scheduler on the poller's 10 s ticks; a held message is checked every 4 h, \`HELD_POLL_INTERVAL_MINUTES\`, and due exactly when the hold lifts). Most of the requests in all come after delivery: the default scheduler keeps polling delivered recipients while opens and clicks are likely (with \`POLL_SCHEDULER=fixed\` the same cases make ${r.fixed.map((f) => num(f.requestsTotal)).join(', ')}). "Before" is the lifecycle without a send plan, which counted the not-found grace period from tracking.`,
    '',
    table(
      [
        'case',
        'held (h)',
        'requests before it leaves',
        'requests in all',
        'ending',
        'first event after delivery',
        'before (no send plan)',
      ],
      rows,
    ),
    '',
  ].join('\n');
}
