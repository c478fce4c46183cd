/**
 * The domain vocabulary shared by every stage of the flow:
 * provider client → pure diff → store → publisher.
 *
 * Pure types only: no AWS SDK, no I/O.
 */

/** One recipient row of a `bulk-status` reply, validated and normalised by the client. */
export interface RecipientReport {
  /** Address exactly as the provider wrote it (never rewritten). */
  readonly email: string;
  /** Provider's per-recipient token ('' when the provider sent none). */
  readonly token: string;
  /** Raw provider status string, untouched (unknown values pass through). */
  readonly status: string;
  /** Cost in account credits, or null when missing or not a number. */
  readonly cost: number | null;
  /** True when the provider says the recipient is on the unsubscribe list. */
  readonly stopMail: boolean;
  /**
   * Status time as ISO 8601, converted from the provider's `date` (Unix seconds,
   * sent as a string). Null when missing or not a valid date.
   */
  readonly statusAt: string | null;
}

/** A successful `bulk-status` reply, whatever its wire format (JSON or XML). */
export interface BulkStatus {
  readonly messageId: string;
  readonly recipients: readonly RecipientReport[];
}

/** User metadata attached when tracking a message; echoed in every event. */
export type Metadata = Readonly<Record<string, string>>;

/**
 * What the store remembers about one recipient: its last committed state and
 * where its event chain stands.
 */
export interface RecipientState {
  readonly email: string;
  readonly token: string;
  readonly status: string;
  readonly stopMail: boolean;
  readonly cost: number | null;
  /** ISO 8601 status time of the last change. */
  readonly statusAt: string;
  /** Sequence number of the last event of this recipient (1 for the first). */
  readonly sequence: number;
  /** eventId of the last event of this recipient. */
  readonly lastEventId: string;
  /**
   * ISO 8601: when the recipient first reached a final status, kept once its
   * status moved on to a non-final one (a complaint after a delivery); absent
   * otherwise. A recipient that was final stays final for the lifecycle.
   */
  readonly finalAt?: string;
}

/**
 * Identity of a recipient within a message. The provider gives no documented
 * key; email plus token distinguishes two rows with the same address.
 *
 * Both are compared exactly as the provider wrote them: `Jo@Example.fr` and
 * `jo@example.fr` are two recipients, and so are an NFC and an NFD spelling
 * (issue 16 finding 12 asked to decide; this is the decision, and why):
 * - The token is the provider's own per-send identity, so case variants with
 *   their own tokens are two sends with two delivery reports, which no folding
 *   should merge; the variants that matter (one token, two spellings) would be
 *   the provider contradicting itself, and its XML and JSON now decode to the
 *   same strings (XML character references), the known source of such phantoms.
 * - Folding (the domain case-insensitively per RFC 5321, or the whole address
 *   as SES and SendGrid do) would change keys under stored state: two states a
 *   message already holds for two variants would then collide, which the store
 *   reports as a corrupt item when they sit in different chunks (the message
 *   wedged), and event ids and audit sort keys, derived from this key, would
 *   change for every non-lower-case address.
 * Doing it safely needs a migration on load that merges colliding states (with
 * `mergeReports`' rule) before the key changes; until then, exact it stays.
 */
export function recipientKey(r: { readonly email: string; readonly token: string }): string {
  return `${r.email}\u0000${r.token}`;
}
