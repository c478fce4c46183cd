/**
 * The demo's simulated world, kept in `<data dir>/demo.json` so a restart
 * replays the same messages: a list of batches, each a seed, a send time and a
 * message count. The simulator numbers messages in the order they are
 * generated, so regenerating every batch in order gives back the same ids.
 * When the newest batch has ended, `npm start` adds one: the demo stays live
 * however long ago the last one was sent.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MailPartnerSimulator } from './simulator/server.ts';

/** One generation of demo messages. */
export interface DemoBatch {
  readonly seed: number;
  /** ms epoch. */
  readonly sentAt: number;
  readonly count: number;
}

export interface DemoWorld {
  readonly batches: readonly DemoBatch[];
}

const file = (dataDir: string) => join(dataDir, 'demo.json');

/** Reads the world (the one-batch format of earlier versions too); null when there is none. */
export async function readDemoWorld(dataDir: string, count: number): Promise<DemoWorld | null> {
  try {
    const raw = JSON.parse(await readFile(file(dataDir), 'utf8')) as Partial<DemoWorld & DemoBatch>;
    if (Array.isArray(raw.batches) && raw.batches.length > 0) return { batches: raw.batches };
    if (typeof raw.seed === 'number' && typeof raw.sentAt === 'number') {
      return { batches: [{ seed: raw.seed, sentAt: raw.sentAt, count }] };
    }
  } catch {
    // Missing or unreadable: a new world.
  }
  return null;
}

/** Appends a batch sent at `now` and saves the world. */
export async function addDemoBatch(
  dataDir: string,
  world: DemoWorld | null,
  count: number,
  now: number,
): Promise<DemoWorld> {
  const batches = world?.batches ?? [];
  const next: DemoWorld = {
    batches: [...batches, { seed: (now + batches.length * 7_919) % 100_000, sentAt: now, count }],
  };
  await writeFile(file(dataDir), JSON.stringify(next));
  return next;
}

/** Creates a batch's messages in the simulator; returns their ids. */
export function generateDemoBatch(simulator: MailPartnerSimulator, batch: DemoBatch): string[] {
  // Delays scaled down 600×: the 48 h tail becomes under 5 minutes of demo.
  return simulator.generate({
    count: Math.max(1, batch.count),
    seed: batch.seed,
    sentAt: batch.sentAt,
    spreadMs: 20_000,
    recipientsPerMessage: { min: 2, max: 5 },
    timeScale: 1 / 600,
    notFoundForMs: 3_000,
  });
}
