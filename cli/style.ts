/**
 * Colour in text output, only where it helps and only where it is wanted.
 *
 * Whether: decided here from the environment the CLI was given (so tests can
 * drive it): `FORCE_COLOR` (any value but 0/false) turns it on, else a
 * non-empty `NO_COLOR` (https://no-color.org) turns it off, else colour only
 * when stdout is a terminal and `TERM` is not `dumb`. The same precedence as
 * Node's own `getColorDepth` and `supports-color`; decided by hand because
 * Node's checks read `process.env` and a stream, not the CLI's `io`.
 *
 * How: Node's `util.styleText` (the platform, no dependency), told not to
 * second-guess the decision (`validateStream: false`). It exists from Node
 * 20.12; on an older Node text stays plain.
 */
import * as util from 'node:util';

type Format = Parameters<typeof util.styleText>[0];

/** Colours by meaning; each returns its text unchanged when colour is off. */
export interface Style {
  readonly enabled: boolean;
  dim(text: string): string;
  bold(text: string): string;
  good(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  info(text: string): string;
}

/** Whether text output gets colour (see the module comment for the rules). */
export function colourWanted(
  env: Readonly<Record<string, string | undefined>>,
  stdoutIsTTY: boolean,
): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stdoutIsTTY && env.TERM !== 'dumb';
}

export function createStyle(enabled: boolean): Style {
  const styleText = (util as { styleText?: typeof util.styleText }).styleText;
  const paint =
    (format: Format) =>
    (text: string): string =>
      enabled && styleText && text !== ''
        ? styleText(format, text, { validateStream: false })
        : text;
  return {
    enabled,
    dim: paint('dim'),
    bold: paint('bold'),
    good: paint('green'),
    bad: paint('red'),
    warn: paint('yellow'),
    info: paint('cyan'),
  };
}

/** A style that never colours (JSON mode, and the line formatter's default). */
export const PLAIN: Style = createStyle(false);
