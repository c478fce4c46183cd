/**
 * Issue 16 finding 9: a reply naming another message is never applied. Forms
 * that only differ in writing are the same message; a real mismatch is its own
 * loud error. Unit level on the parser, then through the real client against a
 * loopback server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailPartnerClient } from '../../../shared/mailpartner/client.ts';
import { ReplyForOtherMessageError } from '../../../shared/mailpartner/errors.ts';
import { parseBulkStatusReply, sameMessage } from '../../../shared/mailpartner/parse-reply.ts';
import { classifyError } from '../../../shared/sync/error-kind.ts';
import { everythingShownBy } from '../../support/mailpartner-secrets.ts';
import {
  type MailPartnerStub,
  startMailPartnerStub,
} from '../../support/mailpartner-stub-server.ts';

const KEY = 'MISMATCH-KEY-9';
const row = {
  email: 'a@x.fr',
  token: 't',
  status: 'Delivered',
  stopMail: false,
  date: '1764230400',
};
const reply = (messageId: unknown) =>
  JSON.stringify({ success: true, code: 200, messageId, StatutResponseList: [row] });
const xmlReply = (messageId: string) =>
  `<result><entry>true</entry><entry>200</entry><entry><![CDATA[${messageId}]]></entry><entry>` +
  '<entry><entry>a@x.fr</entry><entry>t</entry><entry>Delivered</entry><entry>1</entry>' +
  '<entry>false</entry><entry>1764230400</entry></entry></entry></result>';

describe('finding 9: the reply must be about the message asked about', () => {
  it.each([
    ['the same string', '300', '300'],
    ['a number for a numeric string', '300', 300],
    ['surrounding whitespace', '300', ' 300\n'],
    ['leading zeros of a numeric id', '300', '000300'],
    ['NFD for NFC', 'café-1', 'cafe\u0301-1'],
    ['absent', '300', undefined],
    ['null', '300', null],
    ['empty', '300', ''],
    ['the documentation placeholder', '300', 'xxx'],
    ['the placeholder in capitals', '300', 'XXX'],
  ])('%s is the same message', (_what, asked, replied) => {
    expect(sameMessage(asked, replied as string | number | null | undefined)).toBe(true);
    expect(
      parseBulkStatusReply(reply(replied), { messageId: asked, apiKey: KEY }).recipients,
    ).toHaveLength(1);
  });

  it.each([
    ['another number', '300', 301],
    ['another string', 'abc', 'abd'],
    ['a case variant of a textual id', 'abc', 'ABC'],
    ['a prefix', '300', '30'],
    ['a negative number', '300', -300],
  ])(
    '%s is another message: a ReplyForOtherMessageError, kind reply-mismatch',
    (_what, asked, replied) => {
      expect(sameMessage(asked, replied)).toBe(false);
      const error = (() => {
        try {
          parseBulkStatusReply(reply(replied), { messageId: asked, apiKey: KEY, httpStatus: 200 });
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(ReplyForOtherMessageError);
      expect(error).toMatchObject({
        kind: 'reply-mismatch',
        retryable: true,
        expectedMessageId: asked,
        replyMessageId: String(replied),
        httpStatus: 200,
      });
      expect(classifyError(error)).toBe('reply-mismatch');
      expect((error as Error).message).toContain(`asked about ${JSON.stringify(asked)}`);
    },
  );

  it('the XML form is compared too', () => {
    expect(
      parseBulkStatusReply(xmlReply('\n300\n'), { messageId: '300', apiKey: KEY }).recipients,
    ).toHaveLength(1);
    expect(() => parseBulkStatusReply(xmlReply('301'), { messageId: '300', apiKey: KEY })).toThrow(
      ReplyForOtherMessageError,
    );
  });

  it('a mismatching id that carries the key does not print it', () => {
    expect(() => parseBulkStatusReply(reply(`x${KEY}`), { messageId: '300', apiKey: KEY })).toThrow(
      /answered about message "x\*\*\*"/,
    );
  });

  describe('through the real client on loopback', () => {
    let stub: MailPartnerStub;
    beforeAll(async () => {
      stub = await startMailPartnerStub();
    });
    afterAll(async () => {
      await stub.close();
    });

    it('rejects a reply about another message after one request, never returning its recipients', async () => {
      stub.script({ body: reply('301') });
      const client = createMailPartnerClient({
        apiKey: KEY,
        baseUrl: stub.baseUrl,
        minBackoffMs: 1,
      });
      const error = await client.bulkStatus('300').then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ReplyForOtherMessageError);
      // Not retried: a retry that happened to work would hide the mix-up.
      expect(stub.requests).toHaveLength(1);
      expect(everythingShownBy(error)).not.toContain('a@x.fr');
      expect(everythingShownBy(error)).not.toContain(KEY);
    });
  });
});
