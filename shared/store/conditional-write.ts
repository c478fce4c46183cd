/**
 * A conditional write whose refused condition is an answer, not an error:
 * the store's optimistic writes (outbox versions, due index moves) ask
 * "did it still hold?" and go on either way.
 */
import { isConditionalCheckFailed, translateError } from './errors.ts';

/**
 * Runs `write` (one PutItem or UpdateItem with a ConditionExpression).
 *
 * @returns its output, or null when DynamoDB refused the condition.
 * @throws the translated error for any other failure.
 */
export async function writeIfHolds<T>(
  write: () => Promise<T>,
  tableName: string,
  doing: string,
): Promise<T | null> {
  try {
    return await write();
  } catch (error) {
    if (isConditionalCheckFailed(error)) return null;
    throw translateError(error, tableName, doing);
  }
}

/** `writeIfHolds` as a boolean: whether the condition held and the item was written. */
export async function conditionalWrite(
  write: () => Promise<unknown>,
  tableName: string,
  doing: string,
): Promise<boolean> {
  return (await writeIfHolds(async () => (await write()) ?? true, tableName, doing)) !== null;
}
