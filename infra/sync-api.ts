/**
 * The helpers a CDK user reaches for on a `MailPartnerStatusSync`, apart from
 * the construct so it stays a composition: a rule for the common subscription
 * (chosen detail-types and metadata, to a target) and the grant a backend
 * needs to send `TrackMessage`.
 */
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { DETAIL_TYPES, type DetailType } from '../shared/catalog/events.ts';
import { TRACK_MESSAGE_DETAIL_TYPE } from '../shared/catalog/track-message.ts';

/** What {@link subscriptionRule} matches and where it sends it. */
export interface SubscribeOptions {
  /** Detail-types to receive. Default: every detail-type of the catalog. */
  readonly detailTypes?: readonly DetailType[];
  /**
   * Only events whose `detail.metadata` has these values (given when the
   * message was tracked), e.g. `{ tenant: 'acme' }`. Default: any metadata.
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Where matching events go (a queue, a function, another bus...). */
  readonly target: events.IRuleTarget;
  readonly description?: string;
}

/** A rule on `bus` for the events of `source` that `options` selects. */
export function subscriptionRule(
  scope: Construct,
  id: string,
  bus: events.IEventBus,
  source: string,
  options: SubscribeOptions,
): events.Rule {
  const unknown = (options.detailTypes ?? []).filter((type) => !DETAIL_TYPES.includes(type));
  if (unknown.length > 0) {
    throw new Error(`subscribe: not detail-types of the catalog: ${unknown.join(', ')}`);
  }
  if (options.detailTypes?.length === 0) {
    throw new Error('subscribe: detailTypes is empty: leave it out to receive every detail-type');
  }
  const metadata = Object.entries(options.metadata ?? {});
  return new events.Rule(scope, id, {
    description: options.description ?? `mailpartner-status-sync events for ${id}`,
    eventBus: bus,
    eventPattern: {
      source: [source],
      ...(options.detailTypes ? { detailType: [...options.detailTypes] } : {}),
      ...(metadata.length > 0
        ? { detail: { metadata: Object.fromEntries(metadata.map(([k, v]) => [k, [v]])) } }
        : {}),
    },
    targets: [options.target],
  });
}

/**
 * events:PutEvents on `bus`, for TrackMessage entries from `sources` only:
 * EventBridge evaluates `events:source` and `events:detail-type` on each
 * PutEvents entry, so the grantee cannot put other events on the bus.
 */
export function grantTrackMessage(
  grantee: iam.IGrantable,
  bus: events.IEventBus,
  sources: readonly string[],
): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['events:PutEvents'],
    resourceArns: [bus.eventBusArn],
    conditions: {
      StringEquals: {
        'events:source': [...sources],
        'events:detail-type': TRACK_MESSAGE_DETAIL_TYPE,
      },
    },
  });
}
