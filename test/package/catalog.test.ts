/**
 * `mailpartner-status-sync/catalog` as a consumer uses it: the consumer
 * parsers read events carrying fields a later version adds (at any depth)
 * while the publisher's schemas still refuse them; Powertools'
 * EventBridgeEnvelope parses a delivered event with them; trackMessageEntry
 * builds the PutEvents entry the track-message function accepts; the
 * registry's draft-04 schemas are valid draft-04 and accept real events.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventBridgeEnvelope } from '@aws-lambda-powertools/parser/envelopes/eventbridge';
import Ajv from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import {
  consumerSchemas,
  DEFAULT_TRACK_MESSAGE_SOURCE,
  DETAIL_TYPES,
  type DetailType,
  detailSchemas,
  EVENT_SOURCE,
  eventJsonSchema,
  type MessageStatusSnapshotDetail,
  type MessageTrackingExpiredDetail,
  parseDetail,
  type RecipientDeliveredDetail,
  registryJsonSchema,
  TRACK_MESSAGE_DETAIL_TYPE,
  trackMessageDetail,
  trackMessageEntry,
} from '../../shared/catalog/consumer.ts';
import { statusSnapshot, trackingExpired } from '../../shared/lifecycle/message-events.ts';
import {
  AT,
  exampleDetail,
  MESSAGE,
  RECIPIENT_DETAIL,
  STATE,
} from '../support/catalog-examples.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const RECIPIENT: RecipientDeliveredDetail = { ...RECIPIENT_DETAIL, status: 'Delivered' };

/** An event as a rule target receives it. */
function delivered(detailType: string, detail: unknown, source = EVENT_SOURCE) {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': detailType,
    source,
    account: '111122223333',
    time: '2024-05-01T10:00:01Z',
    region: 'eu-west-3',
    resources: [],
    detail,
  };
}

const expired = () =>
  ({ ...trackingExpired(MESSAGE, [STATE], [STATE], AT).detail }) as MessageTrackingExpiredDetail;
const snapshot = () =>
  ({ ...statusSnapshot(MESSAGE, [STATE], AT)[0]?.detail }) as MessageStatusSnapshotDetail;

describe('consumer parsers', () => {
  it('keep a field added later at the top, where the strict schema refuses it', () => {
    const later = { ...RECIPIENT, addedInV9: 'x' };
    expect(() => detailSchemas.RecipientDelivered.parse(later)).toThrow(/addedInV9/);
    expect(consumerSchemas.RecipientDelivered.parse(later)).toEqual(later);
    expect(parseDetail('RecipientDelivered', later)).toEqual(later);
  });

  it('keep fields added later inside nested objects and array items', () => {
    const base = expired();
    const later = {
      ...base,
      pending: base.pending.map((r) => ({ ...r, newField: 1 })),
      countsOmitted: { statuses: 1, recipients: 2, reason: 'cap' },
    };
    expect(() => detailSchemas.MessageTrackingExpired.parse(later)).toThrow();
    expect(consumerSchemas.MessageTrackingExpired.parse(later)).toEqual(later);
    const snap = snapshot();
    const laterSnap = { ...snap, recipients: snap.recipients?.map((r) => ({ ...r, extra: true })) };
    expect(() => detailSchemas.MessageStatusSnapshot.parse(laterSnap)).toThrow();
    expect(consumerSchemas.MessageStatusSnapshot.parse(laterSnap)).toEqual(laterSnap);
  });

  it('still check the known fields and their limits', () => {
    expect(() => consumerSchemas.RecipientDelivered.parse({ ...RECIPIENT, sequence: 0 })).toThrow(
      /sequence/,
    );
    const tooMany = { ...expired(), pending: Array.from({ length: 201 }, () => STATE) };
    expect(() => consumerSchemas.MessageTrackingExpired.parse(tooMany)).toThrow();
    expect(() => parseDetail('NoSuchType', {})).toThrow(/Unknown detail-type "NoSuchType"/);
  });

  it("keep the publisher's own schemas strict (the catalog objects are not changed)", () => {
    for (const detailType of DETAIL_TYPES) {
      expect(() =>
        detailSchemas[detailType].parse({ ...exampleOf(detailType), unknownKey: 1 }),
      ).toThrow();
    }
  });

  it('parse a delivered event through Powertools EventBridgeEnvelope', () => {
    const event = delivered('RecipientDelivered', { ...RECIPIENT, addedInV9: 'x' });
    const detail = EventBridgeEnvelope.parse(event, consumerSchemas.RecipientDelivered);
    expect(detail.status).toBe('Delivered');
    expect(detail).toMatchObject({ addedInV9: 'x' });
    expect(() =>
      EventBridgeEnvelope.parse(
        delivered('RecipientDelivered', { ...RECIPIENT, sequence: 'two' }),
        consumerSchemas.RecipientDelivered,
      ),
    ).toThrow();
  });
});

function exampleOf(detailType: DetailType): Record<string, unknown> {
  if (detailType === 'MessageTrackingExpired') return expired();
  if (detailType === 'MessageStatusSnapshot') return snapshot();
  return exampleDetail(detailType);
}

describe('trackMessageEntry', () => {
  it('builds the PutEvents entry the track-message function accepts', () => {
    const entry = trackMessageEntry({
      messageId: 'msg-42',
      metadata: { orderId: '7' },
      sendAt: '2024-05-02T08:00:00+02:00',
      eventBusName: 'status-bus',
    });
    expect(entry).toEqual({
      Source: DEFAULT_TRACK_MESSAGE_SOURCE,
      DetailType: TRACK_MESSAGE_DETAIL_TYPE,
      Detail: JSON.stringify({
        messageId: 'msg-42',
        metadata: { orderId: '7' },
        sendAt: '2024-05-02T08:00:00+02:00',
      }),
      EventBusName: 'status-bus',
    });
    expect(trackMessageDetail.parse(JSON.parse(entry.Detail))).toEqual(JSON.parse(entry.Detail));
    expect(trackMessageEntry({ messageId: 'm', eventBusName: 'b', source: 'my.app' }).Source).toBe(
      'my.app',
    );
  });

  it('refuses a bad detail or a missing bus in the sender', () => {
    expect(() =>
      trackMessageEntry({ messageId: 'm', sendAt: 'tomorrow', eventBusName: 'b' }),
    ).toThrow(/sendAt/);
    expect(() => trackMessageEntry({ messageId: 'm', eventBusName: '' })).toThrow(/eventBusName/);
  });
});

describe('JSON Schemas', () => {
  it('eventJsonSchema is the committed schemas/<DetailType>.json', async () => {
    for (const detailType of DETAIL_TYPES) {
      const text = await readFile(join(ROOT, 'schemas', `${detailType}.json`), 'utf8');
      expect(eventJsonSchema(detailType)).toEqual(JSON.parse(text));
    }
  });

  it('registry schemas are valid draft-04 with no later keyword, and accept real events', () => {
    const ajv = new Ajv({ strict: false, validateFormats: false });
    const later = /"(\$defs|const|prefixItems|dependentRequired|unevaluatedProperties)"/;
    for (const detailType of DETAIL_TYPES) {
      const schema = registryJsonSchema(detailType, 'acme.status');
      expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
      expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
      expect(JSON.stringify(schema)).not.toMatch(later);
      const validate = ajv.compile(schema);
      const event = delivered(detailType, exampleOf(detailType), 'acme.status');
      // A real event of its type passes (zod agrees), the wrong source or a missing field does not.
      expect(detailSchemas[detailType].safeParse(event.detail).success).toBe(true);
      expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
      const { messageId: _dropped, ...withoutId } = event.detail as Record<string, unknown>;
      expect(validate({ ...event, detail: withoutId })).toBe(false);
      expect(validate({ ...event, source: EVENT_SOURCE })).toBe(false);
    }
  });
});
