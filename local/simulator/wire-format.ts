/**
 * Renders `bulk-status` bodies the way MailPartner writes them, in JSON (the
 * default) and in the positional XML selected by `_format=xml`. The layouts copy
 * the provider's page (shared/reference/mailpartner-bulk-status.txt), including
 * its inconsistencies: the success XML uses a double-quoted declaration and CDATA
 * for strings, the error XML a single-quoted declaration and plain text.
 */

/** Reply format requested with `_format`. */
export type WireFormat = 'json' | 'xml';

/** One row of `StatutResponseList`, as it travels. */
export interface WireRecipient {
  readonly email: string;
  readonly token: string;
  readonly status: string;
  readonly cost: number;
  readonly stopMail: boolean;
  /** Unix seconds as a string, as the provider sends it (any string when scripted). */
  readonly date: string;
}

/** The provider's own error messages (French, as on its page). */
export const PROVIDER_MESSAGES: Readonly<Record<number, string>> = {
  1: 'La Clé API est requise',
  3: "L'ID du message est requis",
  4: 'Message introuvable',
  10: 'Clé API incorrecte',
  // Not on the bulk-status page; the wording is a guess.
  429: 'Trop de requêtes',
};

/** Content-Type header for a format (the provider's real header is not documented). */
export function contentTypeFor(format: WireFormat): string {
  return format === 'xml' ? 'application/xml; charset=utf-8' : 'application/json; charset=utf-8';
}

/** A success body: `{success:true, code:200, messageId, StatutResponseList}` or its XML form. */
export function renderSuccess(
  messageId: string,
  recipients: readonly WireRecipient[],
  format: WireFormat,
): string {
  if (format === 'json') {
    return JSON.stringify({
      success: true,
      code: 200,
      messageId,
      StatutResponseList: recipients.map((r) => ({
        email: r.email,
        token: r.token,
        status: r.status,
        cost: r.cost,
        stopMail: r.stopMail,
        date: r.date,
      })),
    });
  }
  const rows = recipients.map((r) =>
    [
      cdataEntry(r.email),
      cdataEntry(r.token),
      cdataEntry(r.status),
      valueEntry(String(r.cost)),
      valueEntry(String(r.stopMail)),
      cdataEntry(r.date),
    ].join('\n'),
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<result>',
    valueEntry('true'),
    valueEntry('200'),
    cdataEntry(messageId),
    rows.length === 0 ? '<entry></entry>' : ['<entry>', ...rows.map(nest), '</entry>'].join('\n'),
    '</result>',
  ].join('\n');
}

/** An error body: `{success:false, code, message}` or its XML form. */
export function renderError(code: number, message: string, format: WireFormat): string {
  if (format === 'json') return JSON.stringify({ success: false, code, message });
  return [
    "<?xml version='1.0' encoding='UTF-8'?>",
    '<result>',
    valueEntry('false'),
    valueEntry(String(code)),
    valueEntry(escapeXml(message)),
    '</result>',
  ].join('\n');
}

function valueEntry(text: string): string {
  return `<entry>${text}</entry>`;
}

/** The provider puts each CDATA section on its own line inside the entry. */
function cdataEntry(text: string): string {
  // `]]>` would end the section early: split it across two sections.
  return `<entry>\n<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>\n</entry>`;
}

function nest(row: string): string {
  return `<entry>\n${row}\n</entry>`;
}

/** Text content only needs these three; quotes stay as the provider writes them. */
function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
