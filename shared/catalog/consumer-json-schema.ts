/**
 * JSON Schemas of the catalog's events, for consumers and for EventBridge's
 * schema registry. Both describe the whole event a rule target receives (the
 * envelope with `source` and `detail-type` pinned, `detail` the catalog schema),
 * generated from the zod catalog, never written by hand:
 * - {@link eventJsonSchema}: draft 2020-12, the content of `schemas/<DetailType>.json`;
 * - {@link registryJsonSchema}: draft-04, the dialect the registry's
 *   `JSONSchemaDraft4` type takes (its other type is OpenAPI 3), from zod's own
 *   draft-04 target, so no 2019+ keyword (`const`, `$defs`, numeric
 *   `exclusiveMinimum`) is left in it.
 */
import * as z from 'zod';
import { eventBridgeEventSchema, renderJsonSchema } from './catalog-doc.ts';
import { type DetailType, EVENT_SOURCE } from './events.ts';

/** A JSON Schema document, as plain JSON. */
export type JsonSchema = Record<string, unknown>;

/** JSON Schema (draft 2020-12) of the event of `detailType`: the content of `schemas/<detailType>.json`. */
export function eventJsonSchema(detailType: DetailType): JsonSchema {
  return renderJsonSchema(detailType);
}

/**
 * JSON Schema draft-04 of the event of `detailType` as the registry takes it
 * (`AWS::EventSchemas::Schema` with `Type: JSONSchemaDraft4`), with `source`
 * pinned to `source` (a deployment's `eventSource`; default the product's).
 */
export function registryJsonSchema(detailType: DetailType, source = EVENT_SOURCE): JsonSchema {
  const schema = z.toJSONSchema(eventBridgeEventSchema(detailType), {
    target: 'draft-04',
  }) as JsonSchema & { properties: Record<string, JsonSchema> };
  const { $schema, title, description, ...rest } = schema;
  return {
    $schema,
    title,
    description,
    ...rest,
    properties: {
      ...schema.properties,
      source: {
        type: 'string',
        enum: [source],
        description: 'The source of every event of this deployment.',
      },
    },
  };
}
