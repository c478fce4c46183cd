/**
 * Builders shared by the store tests: recipient states, their events, and a
 * fresh table per test on the loopback DynamoDB server.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoServer } from '../../../local/dynamodb-server.ts';
import type { RecipientEvent as CatalogEvent } from '../../../shared/catalog/events.ts';
import { type RecipientState, recipientKey } from '../../../shared/model.ts';
import type { CommitInput } from '../../../shared/ports.ts';
import { DynamoStatusStore } from '../../../shared/store/dynamo-status-store.ts';

export const T0 = new Date('2026-03-01T10:00:00.000Z');

export function minutesAfter(date: Date, minutes: number): Date {
  return new Date(date.getTime() + minutes * 60_000);
}

export function recipient(i: number, overrides: Partial<RecipientState> = {}): RecipientState {
  return {
    email: `user${i}@example.com`,
    token: `tok-${i}`,
    status: 'Sent',
    stopMail: false,
    cost: 0.05,
    statusAt: '2026-03-01T10:00:00.000Z',
    sequence: 1,
    lastEventId: `evt-${i}-1`,
    ...overrides,
  };
}

/** The event describing `state`'s last change. */
export function eventOf(
  messageId: string,
  state: RecipientState,
  observedAt: string,
): CatalogEvent {
  return {
    detailType: 'RecipientStatusChanged',
    detail: {
      eventId: state.lastEventId,
      messageId,
      email: state.email,
      token: state.token,
      status: state.status,
      previousStatus: null,
      cost: state.cost,
      stopMail: state.stopMail,
      statusAt: state.statusAt,
      observedAt,
      sequence: state.sequence,
      metadata: { campaign: 'spring' },
    },
  };
}

/** A commit of these states, one event each. */
export function changesOf(
  messageId: string,
  states: readonly RecipientState[],
  observedAt = '2026-03-01T10:01:00.000Z',
): CommitInput {
  return {
    changed: new Map(states.map((s) => [recipientKey(s), s])),
    events: states.map((s) => eventOf(messageId, s, observedAt)),
    observedAt,
  };
}

/** `state` moved to a new status: next sequence, new event id. */
export function advanced(state: RecipientState, status: string): RecipientState {
  const sequence = state.sequence + 1;
  return {
    ...state,
    status,
    sequence,
    lastEventId: `${state.lastEventId.replace(/-\d+$/, '')}-${sequence}`,
  };
}

export function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

/** Records the command name of every request the client sends. */
export function countRequests(client: DynamoDBClient): string[] {
  const commands: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return commands;
}

let tables = 0;

/** A store on a new, empty table of `server`, with a request log. */
export async function freshStore(
  server: DynamoServer,
  options: { auditRetentionDays?: number } = {},
): Promise<{ store: DynamoStatusStore; client: DynamoDBClient; requests: string[] }> {
  const client = server.client();
  tables += 1;
  const store = new DynamoStatusStore({
    client,
    tableName: `status-${process.pid}-${tables}`,
    ...options,
  });
  await store.admin.createTable();
  const requests = countRequests(client);
  return { store, client, requests };
}
