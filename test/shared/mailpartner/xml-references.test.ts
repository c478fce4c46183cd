/**
 * Issue 16 finding 8: XML character references are decoded as XML 1.0 says, so
 * a value reads the same in XML and JSON and switching format creates no
 * phantom recipient. References XML forbids fail the reply instead of bending
 * an address. Unit level on the parser, then through the real client against a
 * loopback server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailPartnerClient } from '../../../shared/mailpartner/client.ts';
import { TransientProviderError } from '../../../shared/mailpartner/errors.ts';
import { parseBulkStatusReply } from '../../../shared/mailpartner/parse-reply.ts';
import {
  type MailPartnerStub,
  startMailPartnerStub,
} from '../../support/mailpartner-stub-server.ts';

const context = { messageId: '300', apiKey: 'K', httpStatus: 200 };

/** A one-row XML reply; `email` and `status` are written as given (no CDATA). */
const xmlReply = (email: string, status = 'Delivered') =>
  `<?xml version="1.0" encoding="UTF-8"?><result><entry>true</entry><entry>200</entry>` +
  `<entry>300</entry><entry><entry><entry>${email}</entry><entry>t</entry>` +
  `<entry>${status}</entry><entry>1</entry><entry>false</entry><entry>1764230400</entry>` +
  `</entry></entry></result>`;
const jsonReply = (email: string, status = 'Delivered') =>
  JSON.stringify({
    success: true,
    code: 200,
    messageId: '300',
    StatutResponseList: [
      { email, token: 't', status, cost: 1, stopMail: false, date: '1764230400' },
    ],
  });

const emailOf = (body: string) => parseBulkStatusReply(body, context).recipients[0]?.email;

describe('finding 8: XML character references', () => {
  it.each([
    ['decimal', 'jos&#233;@exemple.fr', 'josé@exemple.fr'],
    ['hex, upper-case digits', 'jos&#xE9;@exemple.fr', 'josé@exemple.fr'],
    ['hex, lower-case digits', 'jos&#xe9;@exemple.fr', 'josé@exemple.fr'],
    ['outside the BMP', '&#x1F600;@exemple.fr', '😀@exemple.fr'],
    ['a slash, as PHP escapes it', 'a&#x2F;b@exemple.fr', 'a/b@exemple.fr'],
    ['predefined entities', 'a&amp;b&lt;c&gt;d&quot;e&apos;f@x.fr', 'a&b<c>d"e\'f@x.fr'],
    ['an escaped reference stays text (single decoding)', 'a&amp;#233;@x.fr', 'a&#233;@x.fr'],
  ])('%s: XML gives what JSON gives', (_what, xmlText, decoded) => {
    expect(emailOf(xmlReply(xmlText))).toBe(decoded);
    expect(emailOf(jsonReply(decoded))).toBe(decoded);
  });

  it('JSON \\u escapes and XML references of one address are one string', () => {
    expect(emailOf(xmlReply('jos&#233;@exemple.fr'))).toBe(
      emailOf(
        '{"success":true,"code":200,"messageId":"300","StatutResponseList":[{"email":"jos\\u00e9@exemple.fr","token":"t","status":"Delivered"}]}',
      ),
    );
  });

  it('keeps CDATA literal, as XML does', () => {
    expect(emailOf(xmlReply('<![CDATA[jos&#233;@exemple.fr]]>'))).toBe('jos&#233;@exemple.fr');
  });

  it.each([
    ['NUL', '&#0;', /&#0; is not an XML character/],
    ['a C0 control', '&#x1;', /&#x1; is not an XML character/],
    ['a lone surrogate', '&#xD800;', /&#xD800; is not an XML character/],
    ['past U+10FFFF', '&#x110000;', /&#x110000; is not an XML character/],
    ['far too many digits', '&#99999999999;', /is not an XML character/],
    ['no digits', '&#x;', /&#x; is not an XML character/],
    ['an HTML-only name', '&nbsp;', /&nbsp; is not declared/],
    ['an undeclared name', '&foo;', /&foo; is not declared/],
  ])(
    'refuses %s (the address would otherwise be bent): a transient, unreadable reply',
    (_w, ref) => {
      expect(() => parseBulkStatusReply(xmlReply(`a${ref}@x.fr`), context)).toThrow(
        TransientProviderError,
      );
      expect(() => parseBulkStatusReply(xmlReply(`a${ref}@x.fr`), context)).toThrow(ref);
    },
  );

  it('accepts a name declared in the DOCTYPE (expanded within the parser limits)', () => {
    const body = xmlReply('a&dom;').replace(
      '<result>',
      '<!DOCTYPE result [<!ENTITY dom "@x.fr">]><result>',
    );
    expect(emailOf(body)).toBe('a@x.fr');
  });

  describe('through the real client on loopback', () => {
    let stub: MailPartnerStub;
    beforeAll(async () => {
      stub = await startMailPartnerStub();
    });
    afterAll(async () => {
      await stub.close();
    });

    it('an XML reply with references gives the recipients the JSON reply gives', async () => {
      const options = { apiKey: 'K', baseUrl: stub.baseUrl, minBackoffMs: 1 };
      stub.script({
        body: xmlReply('jos&#233;@exemple.fr', 'D&#xE9;livr&#233;'),
        headers: { 'content-type': 'application/xml' },
      });
      const fromXml = await createMailPartnerClient({ ...options, format: 'xml' }).bulkStatus(
        '300',
      );
      stub.script({ body: jsonReply('josé@exemple.fr', 'Délivré') });
      const fromJson = await createMailPartnerClient(options).bulkStatus('300');
      expect(fromXml).toEqual(fromJson);
      expect(fromXml.recipients[0]).toMatchObject({ email: 'josé@exemple.fr', status: 'Délivré' });
    });
  });
});
