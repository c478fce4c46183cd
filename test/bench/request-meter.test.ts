import { describe, expect, it } from 'vitest';
import { gsiWrites } from '../../bench/request-meter.ts';

const meta = { pk: { S: 'MSG#1' }, sk: { S: 'META' } };
const names = { '#duePk': 'duePk', '#dueAt': 'dueAt' };

describe('gsiWrites', () => {
  it('charges a delete and a put when the due index key moves', () => {
    const input = {
      Key: meta,
      UpdateExpression: 'SET lastPolledAt = :polled, nextPollAt = :next, #dueAt = :next',
      ExpressionAttributeNames: names,
    };
    expect(gsiWrites('UpdateItemCommand', input)).toBe(2);
  });

  it('charges one write when a META item enters, leaves or changes in the index', () => {
    expect(gsiWrites('PutItemCommand', { Item: { ...meta, duePk: { S: 'DUE' } } })).toBe(1);
    const retire = {
      Key: meta,
      UpdateExpression: 'REMOVE #duePk, #dueAt',
      ExpressionAttributeNames: names,
    };
    expect(gsiWrites('UpdateItemCommand', retire)).toBe(1);
    expect(
      gsiWrites('UpdateItemCommand', { Key: meta, UpdateExpression: 'SET chunkCount = :n' }),
    ).toBe(1);
  });

  it('charges nothing for items the index does not hold', () => {
    const chunk = { pk: { S: 'MSG#1' }, sk: { S: 'STATE#00000' } };
    expect(gsiWrites('PutItemCommand', { Item: chunk })).toBe(0);
    expect(gsiWrites('BatchWriteItemCommand', { RequestItems: {} })).toBe(0);
    expect(gsiWrites('UpdateItemCommand', { Key: chunk, UpdateExpression: 'SET a = :a' })).toBe(0);
  });
});
