/**
 * `npm run bench`: runs every section, prints the results as Markdown and
 * writes them to bench/results.md. Progress goes to stderr.
 *
 * `BENCH_QUICK=1` runs every section at a fraction of its size (a smoke test of
 * the suite, a minute or so) and prints without writing the file.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { measureAwsRequests } from './aws-requests.ts';
import { ROOT } from './bundle.ts';
import { evaluateGoals } from './goals.ts';
import { measureHeld } from './held.ts';
import { measureDiff, measureOverhead } from './overhead.ts';
import { renderResults } from './render.ts';
import { machine } from './report.ts';
import { measureSchedule } from './schedule.ts';
import { measureSize } from './size.ts';

const quick = process.env.BENCH_QUICK === '1';
const started = performance.now();
const startedAt = new Date();
const host = machine();
const sectionSeconds: Record<string, number> = {};

async function section<T>(name: string, run: () => Promise<T> | T): Promise<T> {
  process.stderr.write(`bench: ${name}…\n`);
  const t = performance.now();
  const result = await run();
  sectionSeconds[name] = (performance.now() - t) / 1000;
  process.stderr.write(`bench: ${name} done in ${sectionSeconds[name]?.toFixed(1)} s\n`);
  return result;
}

const aws = await section('AWS requests', () =>
  measureAwsRequests(quick ? { messages: 4, naiveMessages: 1 } : {}),
);
const overhead = await section('sync overhead', () =>
  measureOverhead(quick ? { messages: 40, reps: 3 } : {}),
);
const diff = await section('diff throughput', () =>
  measureDiff(quick ? { recipients: 20_000, runs: 3 } : {}),
);
const schedule = await section('schedule', () =>
  measureSchedule(quick ? { sizes: [1_000, 10_000] } : {}),
);
const held = await section('held sends', () => measureHeld());
const size = await section('size', () => measureSize(quick ? { recipients: 10_000 } : {}));

const goals = evaluateGoals({ aws, schedule, size });
const markdown = renderResults({
  machine: host,
  startedAt,
  totalSeconds: (performance.now() - started) / 1000,
  sectionSeconds,
  aws,
  overhead,
  diff,
  schedule,
  held,
  size,
  goals,
});
process.stdout.write(`${markdown}\n`);
if (!quick) {
  const file = path.join(ROOT, 'bench', 'results.md');
  writeFileSync(file, markdown);
  process.stderr.write(`bench: wrote ${path.relative(ROOT, file)}\n`);
}
