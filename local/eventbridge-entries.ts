/**
 * Request entries of the local EventBridge endpoint: how each PutEvents entry is
 * read, sized and validated as the service does, and which ones a fault plan fails.
 */
/** A request entry as fault-injection predicates see it (Detail parsed when it parses). */
export interface RequestEntryView {
  readonly source: unknown;
  readonly detailType: unknown;
  readonly detail: unknown;
  readonly eventBusName: string;
}

/** Which entries of a call to fail. */
export type EntrySelector =
  | readonly number[]
  | { readonly rate: number; readonly seed?: number }
  | ((entry: RequestEntryView, index: number) => boolean);

/** Size AWS counts for a `Time` field, whatever its value. */
const TIME_BYTES = 14;

/** A per-entry result of PutEvents. */
export type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** One request entry, read. */
export interface ReadEntry {
  readonly view: RequestEntryView;
  readonly resources: string[];
  readonly time: string | null;
  readonly size: number;
  readonly error: EntryResult | null;
}

/** Reads one request entry: its view, AWS size, and the per-entry error the service would give. */
export function readEntry(raw: unknown): ReadEntry {
  const entry = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const source = entry.Source;
  const detailType = entry.DetailType;
  const detailText = entry.Detail;
  const resources = Array.isArray(entry.Resources)
    ? entry.Resources.filter((r): r is string => typeof r === 'string')
    : [];
  const eventBusName = busName(entry.EventBusName);

  let detail: unknown;
  try {
    detail = typeof detailText === 'string' ? JSON.parse(detailText) : undefined;
  } catch {
    detail = undefined;
  }
  const time = typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : null;
  const size =
    (entry.Time !== undefined ? TIME_BYTES : 0) +
    utf8(source) +
    utf8(detailType) +
    utf8(detailText) +
    resources.reduce((sum, r) => sum + utf8(r), 0);

  const invalid = (field: string): EntryResult => ({
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
  });
  let error: EntryResult | null = null;
  if (typeof source !== 'string' || source === '') error = invalid('Source');
  else if (typeof detailType !== 'string' || detailType === '') error = invalid('DetailType');
  else if (typeof detailText !== 'string' || detailText === '') error = invalid('Detail');
  else if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    error = { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  } else if (source.startsWith('aws.')) {
    error = {
      ErrorCode: 'NotAuthorizedForSourceException',
      ErrorMessage: 'Not authorized for the source.',
    };
  } else if (entry.Time !== undefined && (time === null || Number.isNaN(time.getTime()))) {
    error = { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Time is not valid.' };
  }

  return {
    view: { source, detailType, detail, eventBusName },
    resources,
    time: time && !Number.isNaN(time.getTime()) ? time.toISOString() : null,
    size,
    error,
  };
}

/** Bus name from a name or an ARN (`arn:aws:events:region:account:event-bus/name`); default when absent. */
export function busName(value: unknown): string {
  if (typeof value !== 'string' || value === '') return 'default';
  const slash = value.startsWith('arn:') ? value.lastIndexOf('/') : -1;
  return slash >= 0 ? value.slice(slash + 1) : value;
}

export function selected(
  selector: EntrySelector,
  view: RequestEntryView,
  index: number,
  random: () => number,
): boolean {
  if (typeof selector === 'function') return selector(view, index);
  if (Array.isArray(selector)) return selector.includes(index);
  return random() < (selector as { rate: number }).rate;
}

export function selectorSeed(selector: EntrySelector): number {
  return typeof selector === 'object' && !Array.isArray(selector)
    ? ((selector as { seed?: number }).seed ?? 1)
    : 1;
}

/** mulberry32: tiny, seedable, good enough to pick which entries fail. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function utf8(value: unknown): number {
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0;
}
