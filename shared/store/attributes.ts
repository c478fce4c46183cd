/**
 * Reading DynamoDB attribute values with their types checked: a stored item of
 * the wrong shape becomes a `CorruptItemError` naming the item and attribute,
 * never an `undefined` travelling further.
 *
 * The store writes attribute values by hand (`{ S: ... }`): its items are few
 * and flat, and this keeps every stored type visible at the write site.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CorruptItemError } from './errors.ts';

export type Item = Record<string, AttributeValue>;

function corrupt(where: string, name: string, expected: string): CorruptItemError {
  return new CorruptItemError(
    `Stored item ${where} is corrupt: attribute "${name}" is not ${expected}`,
  );
}

export function readString(item: Item, name: string, where: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw corrupt(where, name, 'a string');
  return value;
}

/** A string attribute that may be absent (null then). */
export function readOptionalString(item: Item, name: string, where: string): string | null {
  return item[name] === undefined ? null : readString(item, name, where);
}

export function readNumber(item: Item, name: string, where: string): number {
  const raw = item[name]?.N;
  const value = raw === undefined ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) throw corrupt(where, name, 'a number');
  return value;
}

export function readBoolean(item: Item, name: string, where: string): boolean {
  const value = item[name]?.BOOL;
  if (value === undefined) throw corrupt(where, name, 'a boolean');
  return value;
}

export function readBinary(item: Item, name: string, where: string): Uint8Array {
  const value = item[name]?.B;
  if (value === undefined) throw corrupt(where, name, 'binary');
  return value;
}

export function readStringMap(item: Item, name: string, where: string): Record<string, string> {
  const map = item[name]?.M;
  if (map === undefined) throw corrupt(where, name, 'a map');
  // fromEntries defines own keys, so a key such as `__proto__` stays a key.
  return Object.fromEntries(
    Object.entries(map).map(([key, value]) => {
      if (value.S === undefined) throw corrupt(where, `${name}.${key}`, 'a string');
      return [key, value.S];
    }),
  );
}

export function stringMap(values: Readonly<Record<string, string>>): AttributeValue {
  return { M: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { S: v }])) };
}
