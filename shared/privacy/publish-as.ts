/**
 * Publishing in the deployment's form: an `EventPublisher` decorator that
 * verifies this process's publication (checked-publication.ts) and renders
 * each event in it (pseudonyms when the deployment hashes) before the bus sees
 * it. Every event the product creates goes out through it; replay does not
 * (its records are already in published form).
 */
import type { CatalogEvent } from '../catalog/events.ts';
import type { EventPublisher, PublishResult } from '../ports.ts';
import type { PublicationSource } from './checked-publication.ts';

/**
 * Wraps `inner`. The events passed in are not modified.
 *
 * @throws PublicationFormError (from `publish`) when this process's form is not
 *   the deployment's: nothing is published.
 */
export function publishAs(inner: EventPublisher, source: PublicationSource): EventPublisher {
  return {
    async publish(events: readonly CatalogEvent[]): Promise<PublishResult> {
      if (events.length === 0) return inner.publish(events);
      const publication = await source.forWriting();
      return inner.publish(events.map((event) => publication.render(event)));
    },
  };
}

/** Memoises `load` (rejections included) for the lifetime of the returned function: one read per cycle. */
export function oncePer<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= load();
    return value;
  };
}
