/**
 * The XML form of a `bulk-status` reply (`_format=xml`), turned into the JSON
 * object shape so that one zod schema judges both formats.
 *
 * The XML is positional, with no key names:
 * ```xml
 * <result>
 *   <entry>true</entry> <entry>200</entry> <entry>messageId</entry>
 *   <entry>                                  <!-- the rows -->
 *     <entry><entry>email</entry><entry>token</entry><entry>status</entry>
 *            <entry>cost</entry><entry>stopMail</entry><entry>date</entry></entry>
 *   </entry>
 * </result>
 * ```
 * and the error form is `<result><entry>false</entry><entry>10</entry><entry>message</entry></result>`.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** Positions of a row's fields, in the provider's order (same as its JSON keys). */
export const XML_ROW_FIELDS = ['email', 'token', 'status', 'cost', 'stopMail', 'date'] as const;

/** The JSON-shaped object, or why the XML could not be read as a reply. */
export type XmlReplyConversion =
  | { readonly ok: true; readonly value: Record<string, unknown> }
  | { readonly ok: false; readonly problem: string };

const parser = new XMLParser({
  // Keep every value a string: the shared schema does the typing, exactly as for JSON.
  parseTagValue: false,
  // With one row, or one field, the parser would otherwise collapse the list into
  // a single value and 0, 1 and n rows would each need their own case.
  isArray: (tagName) => tagName === 'entry',
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** A parsed `<entry>`: text for a value, `{ entry: [...] }` for a list. */
type XmlNode = string | { entry: XmlNode[] };

class XmlShapeError extends Error {}

/**
 * Converts an XML `bulk-status` reply into the JSON object shape
 * (`success`, `code`, `messageId`, `StatutResponseList` or `message`). Values are
 * trimmed, since the provider wraps them in CDATA between newlines. A row must
 * have exactly six fields: a field added or dropped in the middle would shift the
 * others, and failing loudly beats pinning a status on the wrong recipient.
 */
export function xmlReplyToObject(xml: string): XmlReplyConversion {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    return {
      ok: false,
      problem: `malformed or truncated XML (${valid.err.msg} at line ${valid.err.line})`,
    };
  }
  try {
    const parsed: unknown = parser.parse(xml);
    const root = isRecord(parsed) ? parsed.result : undefined;
    if (root === undefined) return { ok: false, problem: 'XML without a <result> root element' };
    const top = listOf(root, '<result>');
    const success = leaf(top[0], 'success (entry 1)');
    const code = leaf(top[1], 'code (entry 2)');
    if (success.toLowerCase() !== 'true') {
      const message = top[2] === undefined ? undefined : leaf(top[2], 'message (entry 3)');
      return { ok: true, value: { success, code, message } };
    }
    return {
      ok: true,
      value: {
        success,
        code,
        messageId: top[2] === undefined ? undefined : leaf(top[2], 'messageId (entry 3)'),
        StatutResponseList: top[3] === undefined ? undefined : rows(top[3]),
      },
    };
  } catch (error) {
    if (error instanceof XmlShapeError) return { ok: false, problem: error.message };
    // Anything else the parser throws (an external entity, absurd nesting) is
    // about the input too: an unreadable reply, reported like any other.
    return { ok: false, problem: `unreadable XML (${(error as Error).message})` };
  }
}

function rows(node: XmlNode): Record<string, string>[] {
  // An empty list comes as an empty element, which the parser reads as ''.
  if (node === '') return [];
  return listOf(node, 'the recipient list (entry 4)').map((row, index) => {
    const fields = listOf(row, `row ${index + 1}`);
    if (fields.length !== XML_ROW_FIELDS.length) {
      throw new XmlShapeError(
        `row ${index + 1} has ${fields.length} fields, expected ${XML_ROW_FIELDS.length} (${XML_ROW_FIELDS.join(', ')})`,
      );
    }
    return Object.fromEntries(
      XML_ROW_FIELDS.map((name, i) => [name, leaf(fields[i], `row ${index + 1} ${name}`)]),
    );
  });
}

function listOf(node: unknown, what: string): XmlNode[] {
  if (isRecord(node) && Object.keys(node).length === 1 && Array.isArray(node.entry)) {
    return node.entry as XmlNode[];
  }
  throw new XmlShapeError(`${what} is not a list of <entry> elements`);
}

function leaf(node: unknown, what: string): string {
  if (node === undefined) throw new XmlShapeError(`${what} is missing`);
  if (typeof node !== 'string') throw new XmlShapeError(`${what} is not a plain value`);
  return node.trim();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
