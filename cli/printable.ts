/**
 * Text-mode output of provider strings. Statuses, addresses and tokens come
 * from the provider; printed verbatim, an escape sequence in one can retitle
 * the window, clear the screen, hide text or write the clipboard (OSC 52), a
 * bare CR can overwrite what was printed, and a bidi override can reorder it.
 * Every control, format (bidi, zero-width), surrogate and line/paragraph
 * separator character is rendered as a visible `\u{…}` escape instead.
 *
 * Hand-written because the libraries at hand do other jobs: `strip-ansi`
 * removes ANSI sequences only (not bidi, CR or OSC leftovers) and hides what
 * was sent, `jsesc` escapes every non-ASCII character (an accented address
 * would become unreadable). `--json` output is left to JSON.stringify.
 */

/** Cc (C0, DEL, C1), Cf (bidi controls, zero-width), Cs (lone surrogates), Zl, Zp. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

/** `text` with every character that could act on a terminal made visible. */
export function printable(text: string): string {
  return text.replace(
    UNPRINTABLE,
    (char) => `\\u{${(char.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`,
  );
}
