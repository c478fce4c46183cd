/**
 * A held send end to end, as a user in Paris would live it: the `status-sync`
 * CLI run as real processes under a shifted system clock (Debian's `faketime`),
 * against loopback servers. Tracked on Saturday 27 March 2027 at 20:30, polled
 * through the Easter weekend (summer time starts on the Sunday), the mail leaves
 * on Tuesday 30 March at 08:00 Paris time.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProcessRun, runCli } from '../support/cli-process.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const MINUTE = 60_000;

function findFaketime(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v faketime'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'faketime is not installed: run `apt-get install -y faketime` (Debian) or `brew install libfaketime` (macOS)',
    );
  }
}

let h: Harness;
let faketime: string;
beforeAll(async () => {
  faketime = findFaketime();
  h = await startHarness({ tableName: 'cli-faketime-test' });
});
afterAll(async () => {
  await h?.close();
});

/** Runs the CLI with the system clock (and the simulator's) set to `iso`. */
function cliAt(iso: string, args: string[]): Promise<ProcessRun> {
  h.now = Date.parse(iso);
  const stamp = `@${iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '')}`;
  return runCli(args, { TZ: 'UTC', ...h.env() }, { wrapper: [faketime, '-f', stamp] });
}

describe('status-sync under a shifted clock', () => {
  it('tracked Saturday 20:30, polled through Easter: events within 5 min of Tuesday 08:00, no ending before', async () => {
    const id = '300';
    const leaves = Date.parse('2027-03-30T06:00:00Z'); // Tuesday 08:00 in Paris (UTC+2)
    h.simulator.addMessage(
      id,
      [
        { email: 'anne@exemple.fr', events: [{ atMs: leaves + 30_000, status: 'Delivered' }] },
        { email: 'bruno@exemple.fr', events: [{ atMs: leaves + 50_000, status: 'Delivered' }] },
      ],
      { visibleAt: leaves },
    );

    const track = await cliAt('2027-03-27T19:30:00Z', ['track', id, '--meta', 'campaign=easter']);
    expect(track.code, track.stderr).toBe(0);
    expect(track.stdout).toContain('held by the commercial hold until 2027-03-30T06:00:00.000Z');

    // The scheduler runs every minute; here the user runs `poll` now and then over the weekend.
    const weekend = [
      '2027-03-27T19:31:00Z',
      '2027-03-27T20:05:00Z', // 21:05 Saturday: the moment it used to be given up
      '2027-03-28T06:00:00Z',
      '2027-03-28T12:00:00Z',
      '2027-03-29T00:00:00Z',
      '2027-03-29T12:00:00Z',
      '2027-03-29T20:00:00Z', // Monday evening: the moment it used to expire
      '2027-03-30T04:00:00Z',
    ];
    for (const at of weekend) {
      const poll = await cliAt(at, ['poll']);
      expect(poll.code, poll.stderr).toBe(0);
    }
    const held = await cliAt('2027-03-30T05:00:00Z', ['status', id, '--json']);
    expect(JSON.parse(held.stdout)).toMatchObject({
      state: 'active',
      expectedSendAt: '2027-03-30T06:00:00.000Z',
      sendReason: 'held',
      metadata: { campaign: 'easter' },
    });
    const weekendPolls = h.simulator.requests.filter((r) => r.messageId === id).length;
    expect(weekendPolls).toBeGreaterThanOrEqual(1);
    expect(weekendPolls).toBeLessThanOrEqual(weekend.length);

    for (const at of ['2027-03-30T06:01:00Z', '2027-03-30T06:02:00Z', '2027-03-30T06:03:00Z']) {
      const poll = await cliAt(at, ['poll']);
      expect(poll.code, poll.stderr).toBe(0);
    }

    const events = h.bus.events.filter((e) => e.detail.messageId === id);
    const types = events.map((e) => e.detailType);
    expect(types[0]).toBe('MessageTrackingStarted');
    expect(types).not.toContain('MessageNotFound');
    expect(types).not.toContain('MessageTrackingExpired');
    const delivered = events.filter((e) => e.detailType === 'RecipientDelivered');
    expect(delivered.map((e) => e.detail.email).sort()).toEqual([
      'anne@exemple.fr',
      'bruno@exemple.fr',
    ]);
    for (const e of delivered) {
      expect(Date.parse(String(e.detail.observedAt)) - leaves).toBeLessThanOrEqual(5 * MINUTE);
    }
    // 15 CLI processes, about a second each on an idle machine.
  }, 180_000);
});
