/**
 * Reads every page of a DynamoDB Query. One request per page: a partition
 * under 1 MB of matching items costs exactly one Query.
 */
import {
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { Item } from './attributes.ts';
import { translateError } from './errors.ts';

/**
 * Every item the query matches, page after page.
 *
 * @param doing - what the caller is doing, for error messages ("loading message m-1").
 * @throws StoreError (translated) for the errors the store understands.
 */
export async function queryAll(
  client: DynamoDBClient,
  input: QueryCommandInput,
  doing: string,
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await queryPage(client, { ...input, ExclusiveStartKey: startKey }, doing);
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** One Query request, its errors translated. */
export async function queryPage(client: DynamoDBClient, input: QueryCommandInput, doing: string) {
  try {
    return await client.send(new QueryCommand(input));
  } catch (error) {
    throw translateError(error, input.TableName ?? '', doing);
  }
}
