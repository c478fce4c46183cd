/**
 * The deployment's publication form on DynamoDB: one item, `CONFIG` /
 * `PUBLICATION`, written once with a conditional PutItem and never changed by
 * the product (an operator who really means to change the form deletes it,
 * see docs/privacy.md).
 *
 * Request costs: `recordedForm` 1 GetItem; `claimForm` 1 GetItem when a form
 * is recorded, else 1 PutItem (plus 1 GetItem if another process won the race).
 */
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { PublicationFormRecord } from '../ports.ts';
import { type Item, readString } from './attributes.ts';
import type { TableRef } from './chunk-io.ts';
import { conditionalWrite } from './conditional-write.ts';
import { translateError } from './errors.ts';
import { CONFIG_PK, PUBLICATION_SK } from './keys.ts';

const KEY = { pk: { S: CONFIG_PK }, sk: { S: PUBLICATION_SK } };

/** `PublicationFormRecord` on the table's CONFIG item. */
export class DynamoPublicationRecord implements PublicationFormRecord {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;

  constructor(table: TableRef) {
    this.#client = table.client;
    this.#tableName = table.tableName;
  }

  async recordedForm(): Promise<string | null> {
    let item: Item | undefined;
    try {
      const out = await this.#client.send(
        new GetItemCommand({ TableName: this.#tableName, Key: KEY, ConsistentRead: true }),
      );
      item = out.Item;
    } catch (error) {
      throw translateError(error, this.#tableName, 'reading the publication form');
    }
    return item ? readString(item, 'form', `${CONFIG_PK}/${PUBLICATION_SK}`) : null;
  }

  async claimForm(form: string, at: Date): Promise<string> {
    const recorded = await this.recordedForm();
    if (recorded !== null) return recorded;
    const written = await conditionalWrite(
      () =>
        this.#client.send(
          new PutItemCommand({
            TableName: this.#tableName,
            Item: { ...KEY, form: { S: form }, recordedAt: { S: at.toISOString() } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      this.#tableName,
      'recording the publication form',
    );
    return written ? form : ((await this.recordedForm()) ?? form);
  }
}
