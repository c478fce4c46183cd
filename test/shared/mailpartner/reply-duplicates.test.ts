/**
 * Issue 16 finding 10 at the client: a reply listing one recipient twice comes
 * back with that recipient once, merged so that no unsubscribe and no more
 * advanced status is lost (shared/diff/merge-rows.ts). Real client, loopback server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailPartnerClient } from '../../../shared/mailpartner/client.ts';
import {
  type MailPartnerStub,
  startMailPartnerStub,
} from '../../support/mailpartner-stub-server.ts';

const row = (status: string, stopMail: boolean, email = 'a@x.fr') => ({
  email,
  token: 't',
  status,
  cost: 1,
  stopMail,
  date: '1764230400',
});

let stub: MailPartnerStub;
beforeAll(async () => {
  stub = await startMailPartnerStub();
});
afterAll(async () => {
  await stub.close();
});

describe('finding 10: duplicate rows through the client', () => {
  it.each([
    [
      'Delivered+stopMail then Waiting',
      [row('Delivered', true), row('Waiting', false)],
      'Delivered',
      true,
    ],
    [
      'Waiting+stopMail then Delivered',
      [row('Waiting', true), row('Delivered', false)],
      'Delivered',
      true,
    ],
    [
      'Clicked then Opened then Delivered',
      [row('Clicked', false), row('Opened', false), row('Delivered', false)],
      'Clicked',
      false,
    ],
    [
      'Delivered then Not delivered',
      [row('Delivered', false), row('Not delivered', false)],
      'Not delivered',
      false,
    ],
  ])('%s', async (_what, rows, status, stopMail) => {
    stub.script({
      body: {
        success: true,
        code: 200,
        StatutResponseList: [...rows, row('Waiting', false, 'b@x.fr')],
      },
    });
    const reply = await createMailPartnerClient({ apiKey: 'K', baseUrl: stub.baseUrl }).bulkStatus(
      '300',
    );
    expect(reply.recipients.map((r) => [r.email, r.status, r.stopMail])).toEqual([
      ['a@x.fr', status, stopMail],
      ['b@x.fr', 'Waiting', false],
    ]);
  });
});
