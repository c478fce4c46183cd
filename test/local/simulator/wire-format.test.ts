import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  PROVIDER_MESSAGES,
  renderError,
  renderSuccess,
  type WireRecipient,
} from '../../../local/simulator/wire-format.ts';

// The two recipients of the provider page's example reply.
const PAGE_RECIPIENTS: WireRecipient[] = [
  {
    email: 'email1',
    token: 'xxx',
    status: 'Delivered',
    cost: 1,
    stopMail: true,
    date: '1599061044',
  },
  {
    email: 'email2',
    token: 'yyy',
    status: 'Delivered',
    cost: 1,
    stopMail: true,
    date: '1599061044',
  },
];

// Verbatim from shared/reference/mailpartner-bulk-status.txt.
const PAGE_SUCCESS_XML = `<?xml version="1.0" encoding="UTF-8"?>
<result>
<entry>true</entry>
<entry>200</entry>
<entry>
<![CDATA[xxx]]>
</entry>
<entry>
<entry>
<entry>
<![CDATA[email1]]>
</entry>
<entry>
<![CDATA[xxx]]>
</entry>
<entry>
<![CDATA[Delivered]]>
</entry>
<entry>1</entry>
<entry>true</entry>
<entry>
<![CDATA[1599061044]]>
</entry>
</entry>
<entry>
<entry>
<![CDATA[email2]]>
</entry>
<entry>
<![CDATA[yyy]]>
</entry>
<entry>
<![CDATA[Delivered]]>
</entry>
<entry>1</entry>
<entry>true</entry>
<entry>
<![CDATA[1599061044]]>
</entry>
</entry>
</entry>
</result>`;

const PAGE_ERROR_XML = `<?xml version='1.0' encoding='UTF-8'?>
<result>
<entry>false</entry>
<entry>10</entry>
<entry>Clé API incorrecte</entry>
</result>`;

type Entry = string | { entry: Entry[] };
const positionalParser = new XMLParser({
  isArray: (name) => name === 'entry',
  parseTagValue: false,
});
function positional(xml: string): Entry[] {
  return (positionalParser.parse(xml) as { result: { entry: Entry[] } }).result.entry;
}

describe('renderSuccess', () => {
  it('writes the JSON of the provider page, with date as a string of Unix seconds', () => {
    const body = renderSuccess('xxx', PAGE_RECIPIENTS, 'json');
    expect(JSON.parse(body)).toEqual({
      success: true,
      code: 200,
      messageId: 'xxx',
      StatutResponseList: PAGE_RECIPIENTS,
    });
    expect(body).toContain('"date":"1599061044"');
  });

  it('writes the XML of the provider page character for character', () => {
    expect(renderSuccess('xxx', PAGE_RECIPIENTS, 'xml')).toBe(PAGE_SUCCESS_XML);
  });

  it('keeps CDATA content intact when it contains the CDATA terminator', () => {
    const hostile = { ...PAGE_RECIPIENTS[0], status: 'a]]>b<c>&d' } as WireRecipient;
    const entries = positional(renderSuccess('m', [hostile], 'xml'));
    expect(entries[3]).toEqual({
      entry: [{ entry: ['email1', 'xxx', 'a]]>b<c>&d', '1', 'true', '1599061044'] }],
    });
  });

  it('writes an empty positional list when no recipient is listed', () => {
    expect(positional(renderSuccess('m', [], 'xml'))).toEqual(['true', '200', 'm', '']);
    expect(JSON.parse(renderSuccess('m', [], 'json')).StatutResponseList).toEqual([]);
  });
});

describe('renderError', () => {
  it('writes the JSON error of the provider page', () => {
    expect(JSON.parse(renderError(10, 'Clé API incorrecte', 'json'))).toEqual({
      success: false,
      code: 10,
      message: 'Clé API incorrecte',
    });
  });

  it('writes the XML error of the provider page character for character', () => {
    expect(renderError(10, 'Clé API incorrecte', 'xml')).toBe(PAGE_ERROR_XML);
  });

  it('escapes markup in a message so the XML stays well-formed', () => {
    expect(positional(renderError(99, 'a < b & c', 'xml'))).toEqual(['false', '99', 'a < b & c']);
  });

  it('knows the French messages of the page', () => {
    expect(PROVIDER_MESSAGES).toMatchObject({
      1: 'La Clé API est requise',
      3: "L'ID du message est requis",
      4: 'Message introuvable',
      10: 'Clé API incorrecte',
    });
  });
});
