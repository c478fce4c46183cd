/**
 * Every tracked message, active or ended: what `status-sync list` shows.
 *
 * A Scan, chosen because no Query can do it: the table's key puts each message
 * in its own partition (`MSG#<messageId>`) and the only index, `due`, is
 * sparse (a message leaves it once it has ended and been retired), so no key
 * groups all messages. Adding a second index for an operator command would put
 * a write on every track and poll; a Scan costs only when someone runs `list`.
 * It is kept cheap per item: a filter on `sk = META` (audit records and state
 * chunks are read by the Scan but not returned) and a projection of META's
 * small attributes (never the outbox), page by page until the table is read.
 * Not for the polling path: that reads the `due` index (`listDue`).
 */
import {
  type DynamoDBClient,
  ScanCommand,
  type ScanCommandInput,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { TrackedMessage } from '../domain/tracked-message.ts';
import type { Item } from './attributes.ts';
import { translateError } from './errors.ts';
import { META_SK } from './keys.ts';
import { readMessage } from './message-item.ts';

/** META attributes `readMessage` reads (every name aliased: some are reserved words). */
const META_ATTRIBUTES = [
  'pk',
  'sk',
  'messageId',
  'metadata',
  'trackedAt',
  'nextPollAt',
  'lastPolledAt',
  'active',
  'state',
  'sendAt',
  'expectedSendAt',
  'sendReason',
  'finishedAt',
  'failureKind',
  'failureCount',
  'failingSince',
] as const;

/**
 * All tracked messages of `tableName`, oldest tracked first (then by id).
 *
 * @throws TableNotFoundError / StoreError (translated like the store's other reads).
 */
export async function listAllMessages(
  client: DynamoDBClient,
  tableName: string,
): Promise<TrackedMessage[]> {
  const names = Object.fromEntries(META_ATTRIBUTES.map((name, i) => [`#a${i}`, name]));
  const skAlias = `#a${META_ATTRIBUTES.indexOf('sk')}`;
  const input: ScanCommandInput = {
    TableName: tableName,
    ProjectionExpression: Object.keys(names).join(', '),
    FilterExpression: `${skAlias} = :meta`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: { ':meta': { S: META_SK } },
  };
  const messages: TrackedMessage[] = [];
  let startKey: Item | undefined;
  do {
    let page: ScanCommandOutput;
    try {
      page = await client.send(new ScanCommand({ ...input, ExclusiveStartKey: startKey }));
    } catch (error) {
      throw translateError(error, tableName, 'listing tracked messages');
    }
    for (const item of page.Items ?? []) messages.push(readMessage(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return messages.sort(
    (a, b) => compare(a.trackedAt, b.trackedAt) || compare(a.messageId, b.messageId),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
