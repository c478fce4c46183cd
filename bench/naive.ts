/**
 * The naive design the engine is measured against: one item per recipient, and
 * for every recipient of every reply one GetItem, then, if it changed, one
 * PutItem and one PutEvents. Same provider replies and same events (the pure
 * diff, one recipient at a time); no outbox, no audit trail, no due index, so it
 * does less work than the engine and still costs more.
 */
import {
  CreateTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import pLimit from 'p-limit';
import { EVENT_SOURCE, eventTime } from '../shared/catalog/events.ts';
import { diffRecipients } from '../shared/diff/diff.ts';
import { type RecipientState, recipientKey } from '../shared/model.ts';
import type { StatusProvider } from '../shared/ports.ts';

export interface NaiveOptions {
  readonly dynamo: DynamoDBClient;
  readonly eventBridge: EventBridgeClient;
  readonly provider: StatusProvider;
  readonly tableName: string;
  readonly clock: () => Date;
}

export class NaiveSync {
  readonly #o: NaiveOptions;

  constructor(options: NaiveOptions) {
    this.#o = options;
  }

  async createTable(): Promise<void> {
    await this.#o.dynamo.send(
      new CreateTableCommand({
        TableName: this.#o.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  }

  /** Polls each message once, `concurrency` messages at a time; returns the number of changes. */
  async cycle(messageIds: readonly string[], concurrency = 8): Promise<number> {
    const limit = pLimit(concurrency);
    const counts = await Promise.all(messageIds.map((id) => limit(() => this.sync(id))));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** One poll of one message, recipient by recipient. */
  async sync(messageId: string): Promise<number> {
    const reply = await this.#o.provider.bulkStatus(messageId);
    const observedAt = this.#o.clock();
    let changes = 0;
    for (const report of reply.recipients) {
      const key = recipientKey(report);
      const itemKey = { pk: { S: `MSG#${messageId}` }, sk: { S: `R#${key}` } };
      const got = await this.#o.dynamo.send(
        new GetItemCommand({ TableName: this.#o.tableName, Key: itemKey, ConsistentRead: true }),
      );
      const previous = new Map<string, RecipientState>();
      if (got.Item?.state?.S) previous.set(key, JSON.parse(got.Item.state.S) as RecipientState);
      const diff = diffRecipients(
        previous,
        { messageId, recipients: [report] },
        { messageId, metadata: { campaign: 'bench' }, observedAt },
      );
      const state = diff.changed.get(key);
      if (!state) continue;
      changes += diff.events.length;
      await this.#o.dynamo.send(
        new PutItemCommand({
          TableName: this.#o.tableName,
          Item: { ...itemKey, state: { S: JSON.stringify(state) } },
        }),
      );
      await this.#o.eventBridge.send(
        new PutEventsCommand({
          Entries: diff.events.map((event) => ({
            Source: EVENT_SOURCE,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
            EventBusName: 'default',
            Time: new Date(eventTime(event)),
          })),
        }),
      );
    }
    return changes;
  }
}
