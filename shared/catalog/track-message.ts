/**
 * The one event this product reads from the bus: a backend that has just sent
 * a message puts `TrackMessage` with `{ messageId, metadata? }` to start
 * tracking it. The construct's rule matches the detail-type and sources, the
 * track-message function (and `npm start`'s local rule) validate the detail.
 */
import * as z from 'zod';

/** detail-type of the tracking request (the stack's rule matches it). */
export const TRACK_MESSAGE_DETAIL_TYPE = 'TrackMessage';

/** Default `source` the TrackMessage rule accepts (the construct's `trackMessageSources`). */
export const DEFAULT_TRACK_MESSAGE_SOURCE = 'mailpartner.status-sync.client';

/** `detail` of a TrackMessage event; the store then applies its own limits. */
export const trackMessageDetail = z.object({
  messageId: z.string().describe('MailPartner messageId returned by /v1/send.'),
  metadata: z
    .record(z.string(), z.string())
    .optional()
    .describe('Echoed in every event of this message; string values only.'),
  sendAt: z.iso
    .datetime({ offset: true })
    .optional()
    .describe(
      'Scheduled send time (ISO 8601 with offset) when the send was scheduled ahead; omit for a mail sent now.',
    ),
});

export type TrackMessageDetail = z.infer<typeof trackMessageDetail>;
