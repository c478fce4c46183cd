/** Markdown tables, number formatting and a description of the machine the benchmark ran on. */
import os from 'node:os';

export type Cell = string | number;

/** A Markdown table; numbers are right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  for (const row of rows) {
    if (row.length !== header.length) {
      throw new Error(
        `table row has ${row.length} cells for ${header.length} columns: ${row.join(' | ')}`,
      );
    }
  }
  const align = header.map((_, i) =>
    rows.every((r) => typeof r[i] === 'number') ? '---:' : '---',
  );
  const line = (cells: readonly Cell[]) => `| ${cells.map((c) => String(c)).join(' | ')} |`;
  return [line(header), line(align), ...rows.map(line)].join('\n');
}

/** 1234567 → "1,234,567"; fractions with up to `digits` decimals. */
export function num(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '—';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: 0,
    maximumFractionDigits: digits,
  });
}

/** Fixed decimals: ratios and per-change figures read better aligned. */
export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

export function percent(share: number, digits = 1): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(digits)} %` : '—';
}

/** Seconds as "42 s", "9 min 16 s", "1 h 5 min". */
export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '∞ (missed)';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) {
    const s = Math.round(seconds % 60);
    return `${Math.floor(seconds / 60)} min${s ? ` ${s} s` : ''}`;
  }
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KB`;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly node: string;
  readonly os: string;
  /** 1-minute load average when the run started: other work on the box skews timings. */
  readonly loadAtStart: number;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: os.totalmem() / 1024 ** 3,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAtStart: os.loadavg()[0] ?? 0,
  };
}

export function describeMachine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGb.toFixed(1)} GB RAM, Node ${m.node}, ${m.os}`;
}
