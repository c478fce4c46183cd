/**
 * Errors of the sync use case itself (the adapters' errors live in their own
 * areas' `errors.ts`).
 */
import { StatusSyncError } from '../errors.ts';

/**
 * An outbox flush left events unpublished: do not poll on top of them. Kind
 * `publish`: the bus refused or failed, and the next sync flushes again.
 */
export class OutboxStuck extends StatusSyncError {
  readonly kind = 'publish';

  constructor(
    readonly pending: number,
    readonly detail: string,
  ) {
    super(`${pending} committed event(s) could not be published yet: ${detail}`);
    this.name = 'OutboxStuck';
  }
}

/**
 * Raised by the throttled provider instead of calling MailPartner while the
 * pause after a 429 lasts. Its own class (not a `RateLimitedError`: the
 * provider was not asked), of the same kind, so the sync backs off alike.
 */
export class ProviderPausedError extends StatusSyncError {
  readonly kind = 'rate-limited';

  constructor(readonly untilMs: number) {
    super(
      `MailPartner asked us to slow down (429): not polling until ${new Date(untilMs).toISOString()}`,
    );
    this.name = 'ProviderPausedError';
  }
}
