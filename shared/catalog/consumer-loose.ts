/**
 * Consumer copies of the catalog's schemas that accept fields added later.
 * The publisher's schemas are `.strict()` on purpose (nothing unlisted leaves
 * the process); a consumer pinned to today's catalog must instead read
 * tomorrow's events, which may carry new fields. zod's `.loose()` only loosens
 * the outer object, and the catalog nests strict objects (`countsOmitted`,
 * `pending[]`, snapshot `recipients[]`), so the copy is made all the way down.
 * Hand-written because zod has no deep "passthrough" of its own; it clones
 * each node with `parent` set, so descriptions and checks (`.max(200)`,
 * formats) carry over to the copy and to its JSON Schema.
 */
import * as z from 'zod';
import { clone } from 'zod/v4/core';

/** The parts of a zod definition that hold nested schemas (zod 4's `_zod.def`). */
interface NodeDef {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly innerType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
}

/**
 * A copy of `schema` in which every object, however deeply nested, keeps
 * unknown keys instead of refusing them; everything else is unchanged.
 */
export function loosen<T extends z.ZodType>(schema: T): T {
  const def = schema._zod.def as unknown as NodeDef;
  let next: Record<string, unknown>;
  switch (def.type) {
    case 'object':
      next = {
        ...def,
        shape: Object.fromEntries(
          Object.entries(def.shape ?? {}).map(([key, value]) => [key, loosen(value)]),
        ),
        // What `.loose()` sets: any further key, any value.
        catchall: z.unknown(),
      };
      break;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
      next = { ...def, innerType: loosen(def.innerType as z.ZodType) };
      break;
    case 'array':
      next = { ...def, element: loosen(def.element as z.ZodType) };
      break;
    case 'record':
      next = { ...def, valueType: loosen(def.valueType as z.ZodType) };
      break;
    case 'union':
      next = { ...def, options: (def.options ?? []).map((option) => loosen(option)) };
      break;
    default:
      return schema;
  }
  return clone(schema, next as never, { parent: true }) as T;
}
