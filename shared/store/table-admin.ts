/**
 * Table administration for local use and operators: the stack creates the
 * table in AWS, `status-sync init` and `npm start` create it locally.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { StoreError, translateError } from './errors.ts';
import { createTableInput } from './table.ts';

/** `createTable` waits at most this many status polls, one second apart. */
const TABLE_ACTIVE_POLLS = 120;

export interface DynamoTableAdminOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Waits between table status polls. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Creates and describes the one table (`table.ts` gives its shape). */
export class DynamoTableAdmin {
  readonly tableName: string;
  readonly #client: DynamoDBClient;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: DynamoTableAdminOptions) {
    this.tableName = options.tableName;
    this.#client = options.client;
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
  }

  /**
   * Creates the table and waits until it and its index are ACTIVE. An
   * existing table is fine.
   *
   * @returns whether this call created it.
   */
  async createTable(): Promise<{ created: boolean }> {
    let created = true;
    try {
      await this.#client.send(new CreateTableCommand(createTableInput(this.tableName)));
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ResourceInUseException')) {
        throw translateError(error, this.tableName, 'creating the table');
      }
      created = false;
    }
    for (let poll = 0; poll < TABLE_ACTIVE_POLLS; poll++) {
      const { Table } = await this.#describe('waiting for the table to become ACTIVE');
      const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every(
        (index) => index.IndexStatus === 'ACTIVE',
      );
      if (Table?.TableStatus === 'ACTIVE' && indexesActive) return { created };
      await this.#sleep(1_000);
    }
    throw new StoreError(
      `DynamoDB table ${this.tableName} did not become ACTIVE within ${TABLE_ACTIVE_POLLS} seconds`,
    );
  }

  /** Whether the table exists (in any status). */
  async tableExists(): Promise<boolean> {
    try {
      await this.#client.send(new DescribeTableCommand({ TableName: this.tableName }));
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return false;
      throw translateError(error, this.tableName, 'describing the table');
    }
  }

  async #describe(doing: string) {
    try {
      return await this.#client.send(new DescribeTableCommand({ TableName: this.tableName }));
    } catch (error) {
      throw translateError(error, this.tableName, doing);
    }
  }
}
