/**
 * Aligned columns for text output: widths computed from the rows themselves,
 * so a long value (`MessageTrackingCompleted`, a long address) widens its
 * column instead of pushing the rest of its line out of line. Colour is applied
 * after padding, so escape codes never count towards a width.
 */

/** One cell: its text, already made printable, and an optional colour. */
export type Cell = string | { readonly text: string; readonly paint?: (text: string) => string };

const GAP = '  ';

/** Width of `text` in terminal columns, approximated as code points. */
export function displayWidth(text: string): number {
  return [...text].length;
}

/** Pads `text` with spaces to `width` columns. */
export function padTo(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** The rows as lines (each ending in \n); the last cell of a row is never padded. */
export function columns(rows: readonly (readonly Cell[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, displayWidth(textOf(cell)));
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          const text = i === row.length - 1 ? textOf(cell) : padTo(textOf(cell), widths[i] ?? 0);
          return typeof cell === 'string' || !cell.paint ? text : paintPadded(text, cell.paint);
        })
        .join(GAP)
        .concat('\n'),
    )
    .join('');
}

function textOf(cell: Cell): string {
  return typeof cell === 'string' ? cell : cell.text;
}

/** Colours the text but not the padding after it. */
function paintPadded(text: string, paint: (text: string) => string): string {
  const trimmed = text.trimEnd();
  return paint(trimmed) + text.slice(trimmed.length);
}
