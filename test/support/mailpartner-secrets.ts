/**
 * Everything an error could show to a log or a caller, flattened into one
 * string, so a test can assert that a secret appears nowhere in it.
 */

/**
 * Message, name, stack, every own property (enumerable or not), `cause` and
 * `errors` chains, and `JSON.stringify` of each error met, depth-bounded.
 */
export function everythingShownBy(value: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();

  function visit(node: unknown, depth: number): void {
    if (depth > 10 || seen.has(node)) return;
    if (typeof node === 'string') {
      parts.push(node);
      return;
    }
    if (typeof node !== 'object' || node === null) {
      parts.push(String(node));
      return;
    }
    seen.add(node);
    if (node instanceof Error) {
      parts.push(String(node), node.stack ?? '');
      try {
        parts.push(JSON.stringify(node));
      } catch {
        // Circular structures cannot be stringified; their parts are still visited.
      }
    }
    for (const name of Object.getOwnPropertyNames(node)) {
      visit((node as Record<string, unknown>)[name], depth + 1);
    }
  }

  visit(value, 0);
  return parts.join('\n');
}
