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
 *
 * Text is decoded as XML 1.0 says, so that a value reads the same whichever
 * format the provider used: character references (`&#233;`, `&#xE9;`) become
 * their character, as `\u00e9` does in JSON, while CDATA stays literal.
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
  // The library's switch for numeric character references (decimal and hex). It
  // also knows a few HTML names (&nbsp;, &copy;...), which XML does not:
  // `referenceProblem` refuses those before parsing, so only XML's rules apply.
  htmlEntities: true,
});

/** The five entities XML predefines; any other name must be declared in the DOCTYPE. */
const PREDEFINED_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/** Sections where '&' is literal text (CDATA, comments, processing instructions). */
const LITERAL_SECTIONS = /<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g;

/**
 * The first reference in `xml` that XML 1.0 forbids, described; null when all
 * are fine. The parser's validator lets through what its decoder then bends:
 * `&#0;` or `&#xD800;` silently dropped, `&#99999999;` or `&#x;` kept as text,
 * `&nbsp;` read as an HTML name. Each would turn an address into another one
 * than the provider meant (a phantom recipient), so the reply is refused instead
 * (WFC: Legal Character and Entity Declared, XML 1.0 §4.1).
 */
function referenceProblem(xml: string): string | null {
  const text = xml.replace(LITERAL_SECTIONS, ' ');
  const declared = new Set([...text.matchAll(/<!ENTITY\s+([^\s%]+)\s/g)].map((m) => m[1]));
  for (const match of text.matchAll(/&([^;&<>\s]*);/g)) {
    const name = match[1] ?? '';
    if (name.startsWith('#')) {
      const digits = /^#x[0-9a-fA-F]{1,8}$/.test(name)
        ? Number.parseInt(name.slice(2), 16)
        : /^#[0-9]{1,10}$/.test(name)
          ? Number(name.slice(1))
          : Number.NaN;
      if (!isXmlChar(digits)) return `character reference ${match[0]} is not an XML character`;
    } else if (!PREDEFINED_ENTITIES.has(name) && !declared.has(name)) {
      return `entity reference ${match[0]} is not declared (XML knows only &amp; &lt; &gt; &quot; &apos;)`;
    }
  }
  return null;
}

/** XML 1.0's `Char` production. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

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
  const badReference = referenceProblem(xml);
  if (badReference !== null) return { ok: false, problem: `malformed XML (${badReference})` };
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
