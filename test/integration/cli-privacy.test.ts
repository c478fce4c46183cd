/**
 * Privacy through the CLI as a user runs it (issue 13): a real process per
 * command against dynalite, the simulator and the local bus. A hashing
 * deployment (EMAIL_HASH_SALT) whose replay from a shell without the salt
 * republishes identical content, whose snapshot refuses or hashes, whose
 * history finds one person across messages, and which forgets a person
 * everywhere, for good.
 */
import { gunzipSync } from 'node:zlib';
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashEmail } from '../../shared/publisher/pii.ts';
import { runCli } from '../support/cli-process.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const SALT = 'privacy-test-salt-5f0c2a9e71d84b36';

const cli = (args: string[], env: Record<string, string | undefined>) => runCli(args, env);

let h: Harness;
let salted: Record<string, string>;
let unsalted: Record<string, string>;
beforeAll(async () => {
  h = await startHarness({ tableName: 'privacy-test' });
  unsalted = h.env();
  salted = { ...unsalted, EMAIL_HASH_SALT: SALT };
});
afterAll(async () => {
  await h?.close();
});

const row = (email: string, status: string, date = 1_764_230_400) => ({ email, status, date });

/** Every string of the table, binary attributes gunzipped when they are gzip. */
async function tableText(): Promise<string> {
  const parts: string[] = [];
  const walk = (value: AttributeValue): void => {
    if (value.S !== undefined) parts.push(value.S);
    else if (value.N !== undefined) parts.push(value.N);
    else if (value.B !== undefined) {
      const bytes = Buffer.from(value.B);
      parts.push(
        bytes[0] === 0x1f && bytes[1] === 0x8b
          ? gunzipSync(bytes).toString('utf8')
          : bytes.toString('utf8'),
      );
    } else if (value.SS) parts.push(...value.SS);
    else if (value.L) value.L.forEach(walk);
    else if (value.M) Object.values(value.M).forEach(walk);
  };
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await h.dynamo
      .client()
      .send(new ScanCommand({ TableName: h.tableName, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      for (const [name, value] of Object.entries(item)) {
        parts.push(name);
        walk(value);
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return parts.join('\n');
}

const busOf = (messageId: string) => h.bus.events.filter((e) => e.detail.messageId === messageId);

describe('status-sync with email hashing on', () => {
  it('replay from a shell without the salt republishes exactly what went out; snapshot refuses or hashes; poll refuses', async () => {
    h.simulator.script('p-1', [
      { kind: 'ok', recipients: [row('ana@x.fr', 'Delivered'), row('bob@x.fr', 'Waiting')] },
    ]);
    expect((await cli(['track', 'p-1'], salted)).code).toBe(0);
    const poll = await cli(['poll', '--force'], salted);
    expect(poll.code, poll.stderr).toBe(0);
    const first = busOf('p-1');
    expect(first.map((e) => e.detailType)).toEqual([
      'MessageTrackingStarted',
      'RecipientDelivered',
      'RecipientStatusChanged',
    ]);
    expect(first.slice(1).map((e) => e.detail.email)).toEqual([
      hashEmail('ana@x.fr', SALT),
      hashEmail('bob@x.fr', SALT),
    ]);

    const replay = await cli(['replay', 'p-1', '--json'], unsalted);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ selected: 3, accepted: 3, failed: 0 });
    const replayed = busOf('p-1').slice(first.length);
    expect(replayed).toHaveLength(3);
    const original = new Map(first.map((e) => [e.detail.eventId, e]));
    for (const e of replayed) {
      const { replayed: flag, ...rest } = e.detail;
      expect(flag).toBe(true);
      expect(rest).toEqual(original.get(String(e.detail.eventId))?.detail);
      expect(e.detailType).toBe(original.get(String(e.detail.eventId))?.detailType);
    }

    const before = h.bus.events.length;
    const refused = await cli(['snapshot', 'p-1'], unsalted);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/publishes pseudonyms/);
    expect(h.bus.events.length).toBe(before);
    const snapshot = await cli(['snapshot', 'p-1'], salted);
    expect(snapshot.code, snapshot.stderr).toBe(0);
    const snap = h.bus.events.slice(before);
    expect(snap.map((e) => e.detailType)).toEqual(['MessageStatusSnapshot']);
    expect(JSON.stringify(snap)).not.toMatch(/@x\.fr/);
    expect(JSON.stringify(snap)).toContain(hashEmail('ana@x.fr', SALT));

    const wrongSalt = await cli(['poll', '--force'], { ...unsalted, EMAIL_HASH_SALT: 'not-it' });
    expect(wrongSalt.code).not.toBe(0);
    expect(`${wrongSalt.stdout}${wrongSalt.stderr}`).toMatch(
      /this process would publish pseudonyms/,
    );
    expect(wrongSalt.stdout + wrongSalt.stderr).not.toContain('not-it');
    expect(h.bus.events.length).toBe(before + 1);
  });

  it("history --email finds one person's events across messages, oldest first, and needs the salt", async () => {
    h.simulator.script('p-2', [
      { kind: 'ok', recipients: [row('carol@x.fr', 'Waiting'), row('dave@x.fr', 'Waiting')] },
      { kind: 'ok', recipients: [row('carol@x.fr', 'Delivered'), row('dave@x.fr', 'Waiting')] },
    ]);
    h.simulator.script('p-3', [
      { kind: 'ok', recipients: [row('Carol@X.fr', 'Delivered'), row('erin@x.fr', 'Delivered')] },
    ]);
    expect((await cli(['track', 'p-2'], salted)).code).toBe(0);
    expect((await cli(['poll', '--force'], salted)).code).toBe(0);
    expect((await cli(['poll', '--force'], salted)).code).toBe(0);
    expect((await cli(['track', 'p-3'], salted)).code).toBe(0);
    expect((await cli(['poll', '--force'], salted)).code).toBe(0);

    const history = await cli(['history', '--email', ' CAROL@x.fr', '--json'], salted);
    expect(history.code, history.stderr).toBe(0);
    const records = JSON.parse(history.stdout).records as {
      messageId: string;
      detailType: string;
      observedAt: string;
      detail: { email: string; sequence: number };
    }[];
    expect(records.map((r) => [r.messageId, r.detailType, r.detail.sequence])).toEqual([
      ['p-2', 'RecipientStatusChanged', 1],
      ['p-2', 'RecipientDelivered', 2],
      ['p-3', 'RecipientDelivered', 1],
    ]);
    expect(records.map((r) => r.detail.email)).toEqual([
      hashEmail('carol@x.fr', SALT),
      hashEmail('carol@x.fr', SALT),
      hashEmail('Carol@X.fr', SALT),
    ]);
    const times = records.map((r) => r.observedAt);
    expect([...times].sort()).toEqual(times);

    const text = await cli(['history', '--email', 'carol@x.fr'], salted);
    expect(text.stdout).toMatch(/3 record\(s\)/);
    const noSalt = await cli(['history', '--email', 'carol@x.fr'], unsalted);
    expect(noSalt.code).toBe(2);
    expect(noSalt.stderr).toMatch(/EMAIL_HASH_SALT/);

    const message = await cli(['history', 'p-2', '--json'], salted);
    const types = (JSON.parse(message.stdout).records as { detailType: string }[]).map(
      (r) => r.detailType,
    );
    expect(types[0]).toBe('MessageTrackingStarted');
  });

  it('forget erases the address from every item, keeps everyone else, and later polls store and publish nothing of them', async () => {
    expect((await tableText()).toLowerCase()).toContain('carol@x.fr');
    const daveBefore = JSON.parse(
      (await cli(['history', 'p-2', '--email', 'dave@x.fr', '--json'], salted)).stdout,
    );

    const forget = await cli(['forget', 'carol@x.fr', '--json'], salted);
    expect(forget.code, forget.stderr).toBe(0);
    const result = JSON.parse(forget.stdout);
    expect(result).toMatchObject({
      alreadyForgotten: false,
      messages: 2,
      recipientStates: 2,
      auditRecordsDeleted: 3,
    });
    expect(forget.stdout.toLowerCase()).not.toContain('carol');

    const table = (await tableText()).toLowerCase();
    expect(table).not.toContain('carol');
    expect(table).toContain('dave@x.fr');
    expect(table).toContain('erin@x.fr');
    const status = JSON.parse((await cli(['status', 'p-2', '--json'], salted)).stdout);
    expect(status.recipients.map((r: { email: string }) => r.email)).toEqual(['dave@x.fr']);
    const daveAfter = JSON.parse(
      (await cli(['history', 'p-2', '--email', 'dave@x.fr', '--json'], salted)).stdout,
    );
    expect(daveAfter).toEqual(daveBefore);
    const carol = await cli(['history', '--email', 'carol@x.fr', '--json'], salted);
    expect(JSON.parse(carol.stdout).records).toEqual([]);

    // The provider still lists her, with news: nothing of hers is stored or published.
    h.simulator.script('p-2', [
      { kind: 'ok', recipients: [row('carol@x.fr', 'Opened'), row('dave@x.fr', 'Delivered')] },
    ]);
    const before = h.bus.events.length;
    const poll = await cli(['poll', '--force'], salted);
    expect(poll.code, poll.stderr).toBe(0);
    const after = h.bus.events.slice(before);
    expect(after.map((e) => [e.detailType, e.detail.email])).toEqual([
      ['RecipientDelivered', hashEmail('dave@x.fr', SALT)],
    ]);
    const carolHashes = [hashEmail('carol@x.fr', SALT), hashEmail('Carol@X.fr', SALT)];
    expect(
      h.bus.events.slice(before).some((e) => carolHashes.includes(String(e.detail.email))),
    ).toBe(false);
    expect((await tableText()).toLowerCase()).not.toContain('carol');

    const again = await cli(['forget', 'Carol@X.fr'], salted);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      /already forgotten; swept again: 0 message\(s\), 0 recipient state/,
    );
  });
});
