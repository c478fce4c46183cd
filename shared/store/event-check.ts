/**
 * Every event is checked against the catalog before the store commits it
 * anywhere (a chunk outbox, META's outbox, the audit trail). The publisher
 * checks again before sending; checking here first means an event the
 * catalog refuses is a clear error at the write that would have stored it,
 * instead of an item every later read refuses.
 */
import * as z from 'zod';
import { type CatalogEvent, parseCatalogEvent } from '../catalog/events.ts';
import { InvalidEventError } from './errors.ts';

/** Field paths and zod's messages only: values may be personal data. */
function describe(error: unknown): string {
  if (error instanceof z.ZodError) {
    return error.issues
      .map((issue) => `${['detail', ...issue.path.map(String)].join('.')}: ${issue.message}`)
      .join(', ');
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * @param doing - what the store was about to do, e.g. "committing message m-1".
 * @throws InvalidEventError naming every refused event, before anything is written.
 */
export function checkEvents(events: readonly CatalogEvent[], doing: string): void {
  const refused: { id: string; problem: string; error: unknown }[] = [];
  events.forEach((event, index) => {
    try {
      parseCatalogEvent(event.detailType, event.detail);
    } catch (error) {
      const id = (event.detail as { eventId?: unknown } | undefined)?.eventId;
      refused.push({
        id: typeof id === 'string' ? id : `#${index}`,
        problem: describe(error),
        error,
      });
    }
  });
  if (refused.length === 0) return;
  throw new InvalidEventError(
    refused.map((r) => r.id),
    `Refused ${doing}: ${refused.length} of ${events.length} event(s) do not match the event catalog, so nothing was written (${refused.map((r) => `${r.id}: ${r.problem}`).join('; ')})`,
    { cause: refused[0]?.error },
  );
}
