/**
 * Builds the real adapters from configuration: one place where SDK clients are
 * created, shared by the Lambda functions and the CLI. Endpoints come from the
 * SDK's standard variables (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_EVENTBRIDGE`),
 * which is how the same code talks to local servers.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Config } from '../shared/config.ts';
import { createMailPartnerClient } from '../shared/mailpartner/client.ts';
import { ProviderConfigurationError } from '../shared/mailpartner/errors.ts';
import type {
  AuditLog,
  EventPublisher,
  StatusProvider,
  SyncDeps,
  SyncLogger,
} from '../shared/ports.ts';
import {
  checkedPublication,
  type PublicationSource,
} from '../shared/privacy/checked-publication.ts';
import { oncePer, publishAs } from '../shared/privacy/publish-as.ts';
import { EventBridgePublisher } from '../shared/publisher/eventbridge-publisher.ts';
import { DynamoStatusStore } from '../shared/store/dynamo-status-store.ts';
import { DynamoRecipientEraser } from '../shared/store/erase-recipient.ts';
import { DynamoPublicationRecord } from '../shared/store/publication-record.ts';
import { DynamoTombstones } from '../shared/store/tombstones.ts';
import {
  type AwsTimeouts,
  busClientSettings,
  DEFAULT_AWS_TIMEOUTS,
  storeClientSettings,
} from './aws-client-settings.ts';
import { createSaltLoader } from './email-hash-salt.ts';

export interface Runtime {
  readonly config: Config;
  readonly store: DynamoStatusStore;
  /** The audit trail (the store's own `AuditLog`): history and replay read it. */
  readonly audit: AuditLog;
  /**
   * Every event the product creates goes out through it: checked against the
   * deployment's publication form, rendered in it (pseudonyms when hashing).
   */
  readonly publisher: EventPublisher;
  /** The bus as it is, for replay: recorded events are already in published form. */
  readonly bus: EventPublisher;
  /** This process's publication, checked against the form the table records. */
  readonly publication: PublicationSource;
  /** The recorded form (replay reads it; the publication source claims it). */
  readonly publicationRecord: DynamoPublicationRecord;
  /** The forgotten people (privacy/forget.ts). */
  readonly tombstones: DynamoTombstones;
  /** Takes one person out of the table (privacy/forget.ts). */
  readonly eraser: DynamoRecipientEraser;
  readonly dynamo: DynamoDBClient;
  readonly eventBridge: EventBridgeClient;
  /** Sync collaborators; the provider asks for the API key only when first used. */
  syncDeps(options?: { log?: SyncLogger; clock?: () => Date }): SyncDeps;
  close(): void;
}

/**
 * The provider needs the API key only when a poll happens, so `track` and
 * `status` work without one. A missing key is the provider's code 1 in spirit:
 * a configuration error, reported before any request is sent.
 */
function lazyProvider(config: Config, apiKey: () => Promise<string | null>): StatusProvider {
  // Asked on every poll (the loader caches it), so a rotated key is picked up
  // by a warm function; the client is rebuilt only when the key changes.
  let client: { key: string; api: ReturnType<typeof createMailPartnerClient> } | null = null;
  return {
    async bulkStatus(messageId, options) {
      const key = await apiKey();
      if (!key) {
        throw new ProviderConfigurationError(
          'MAILPARTNER_API_KEY is not set: set it to your MailPartner API key',
          { providerCode: 1 },
        );
      }
      if (client?.key !== key) {
        client = {
          key,
          api: createMailPartnerClient({
            apiKey: key,
            baseUrl: config.baseUrl,
            format: config.format,
          }),
        };
      }
      return client.api.bulkStatus(messageId, options);
    },
  };
}

export interface RuntimeOptions {
  readonly apiKey?: () => Promise<string | null>;
  /** Timeouts of the AWS clients (see aws-client-settings.ts); tests shorten them. */
  readonly awsTimeouts?: Partial<AwsTimeouts>;
  /** The email hash salt; default: the secret or EMAIL_HASH_SALT (email-hash-salt.ts). */
  readonly emailHashSalt?: () => Promise<string | null>;
}

export function createRuntime(config: Config, options: RuntimeOptions = {}): Runtime {
  const timeouts = { ...DEFAULT_AWS_TIMEOUTS, ...options.awsTimeouts };
  const dynamo = new DynamoDBClient({ region: config.region, ...storeClientSettings(timeouts) });
  const eventBridge = new EventBridgeClient({
    region: config.region,
    ...busClientSettings(timeouts),
  });
  const table = { client: dynamo, tableName: config.tableName };
  const publicationRecord = new DynamoPublicationRecord(table);
  const publication = checkedPublication({
    salt:
      options.emailHashSalt ??
      createSaltLoader({
        secretId: config.emailHashSaltSecret,
        salt: config.emailHashSalt(),
      }),
    record: publicationRecord,
    clock: () => new Date(),
  });
  const store = new DynamoStatusStore({
    client: dynamo,
    tableName: config.tableName,
    auditRetentionDays: config.auditRetentionDays,
    publication,
  });
  const bus = new EventBridgePublisher({
    client: eventBridge,
    eventBusName: config.eventBusName,
    source: config.eventSource,
  });
  const publisher = publishAs(bus, publication);
  const tombstones = new DynamoTombstones(table);
  const provider = lazyProvider(config, options.apiKey ?? (async () => config.apiKey()));
  return {
    config,
    store,
    audit: store.audit,
    publisher,
    bus,
    publication,
    publicationRecord,
    tombstones,
    eraser: new DynamoRecipientEraser(table),
    dynamo,
    eventBridge,
    syncDeps: ({ log, clock } = {}) => ({
      provider,
      store,
      publisher,
      clock: clock ?? (() => new Date()),
      policy: config.policy,
      // One tombstone Query per cycle (each cycle asks for its own deps), after the form check.
      forgotten: oncePer(async () => {
        const current = await publication.forWriting();
        const keys = await tombstones.keys();
        if (keys.size === 0) return () => false;
        return (email: string) => keys.has(current.recipientKey(email));
      }),
      ...(log ? { log } : {}),
    }),
    close() {
      dynamo.destroy();
      eventBridge.destroy();
    },
  };
}
