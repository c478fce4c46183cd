/**
 * Timeline-driven messages: each recipient is a list of dated events, and a poll
 * at clock time t sees, for each recipient, the state those events built up to t.
 * Pure functions, so tests can compute what a poll at any time must return.
 */
import type { WireRecipient } from './wire-format.ts';

/** One change in a recipient's life; fields left out keep their previous value. */
export interface SimEvent {
  /** When the change happens, absolute ms epoch. */
  readonly atMs: number;
  readonly status?: string;
  readonly stopMail?: boolean;
  readonly cost?: number;
}

/** A recipient and its events, as given to `addMessage`. */
export interface SimRecipientTimeline {
  readonly email: string;
  /** Defaults to a stable token derived from the email. */
  readonly token?: string;
  readonly events: readonly SimEvent[];
}

/** A recipient timeline with its token settled and events sorted by time. */
export interface SimRecipient {
  readonly email: string;
  readonly token: string;
  readonly events: readonly SimEvent[];
}

/** Everything the simulator knows about one timeline-driven message. */
export interface SimMessageTimeline {
  readonly messageId: string;
  /** When the message was sent, ms epoch. */
  readonly sentAt: number;
  /** Before this time (ms epoch) the provider answers code 4, as right after a send. */
  readonly visibleAt: number;
  readonly recipients: readonly SimRecipient[];
}

/** What a poll shows for one recipient at a given time. */
export interface SimRecipientState {
  readonly email: string;
  readonly token: string;
  readonly status: string;
  readonly cost: number;
  readonly stopMail: boolean;
  /** Time of the latest event applied (ms epoch); the wire `date` is this in seconds. */
  readonly sinceMs: number;
}

/** The outcome of a poll at a given time. */
export type SimMessageState =
  | { readonly found: false }
  | { readonly found: true; readonly recipients: readonly SimRecipientState[] };

/** One recipient whose visible state (as the wire shows it) differs between two poll times. */
export interface SimChange {
  /** State at the earlier time; null when the recipient was not listed yet. */
  readonly before: SimRecipientState | null;
  readonly after: SimRecipientState;
}

// Values shown before any event sets them: the provider page shows cost 1, and a
// recipient with no report yet is waiting.
const INITIAL_STATUS = 'Waiting';
const INITIAL_COST = 1;

/** Settles tokens and sorts events, copying so later edits by the caller do not leak in. */
export function buildTimeline(
  messageId: string,
  recipients: readonly SimRecipientTimeline[],
  options: { sentAt?: number; visibleAt?: number } = {},
): SimMessageTimeline {
  const settled = recipients.map((r) => ({
    email: r.email,
    token: r.token ?? defaultToken(r.email),
    // Array.prototype.sort is stable: same-time events keep the caller's order.
    events: [...r.events].sort((a, b) => a.atMs - b.atMs).map((e) => ({ ...e })),
  }));
  let firstEvent = Number.POSITIVE_INFINITY;
  for (const r of settled) firstEvent = Math.min(firstEvent, r.events[0]?.atMs ?? firstEvent);
  const sentAt = options.sentAt ?? (Number.isFinite(firstEvent) ? firstEvent : 0);
  return {
    messageId,
    sentAt,
    visibleAt: options.visibleAt ?? Number.NEGATIVE_INFINITY,
    recipients: settled,
  };
}

/** A recipient's state at `atMs`, or null when none of its events has happened yet. */
export function recipientStateAt(recipient: SimRecipient, atMs: number): SimRecipientState | null {
  let sinceMs: number | null = null;
  let status = INITIAL_STATUS;
  let cost = INITIAL_COST;
  let stopMail = false;
  for (const event of recipient.events) {
    if (event.atMs > atMs) break;
    status = event.status ?? status;
    cost = event.cost ?? cost;
    stopMail = event.stopMail ?? stopMail;
    sinceMs = event.atMs;
  }
  if (sinceMs === null) return null;
  return { email: recipient.email, token: recipient.token, status, cost, stopMail, sinceMs };
}

/**
 * What a poll at `atMs` returns: not found before `visibleAt`, otherwise every
 * recipient that has at least one event at or before `atMs`.
 */
export function messageStateAt(message: SimMessageTimeline, atMs: number): SimMessageState {
  if (atMs < message.visibleAt) return { found: false };
  const recipients: SimRecipientState[] = [];
  for (const r of message.recipients) {
    const state = recipientStateAt(r, atMs);
    if (state) recipients.push(state);
  }
  return { found: true, recipients };
}

/**
 * The recipients whose visible state differs between a poll at `fromMs` and one at
 * `toMs`: what a correct poller must turn into events. Visibility of the message
 * (code 4) is ignored here: a message not yet visible simply shows nobody.
 */
export function changesBetween(
  message: SimMessageTimeline,
  fromMs: number,
  toMs: number,
): SimChange[] {
  const changes: SimChange[] = [];
  for (const r of message.recipients) {
    const before = fromMs < message.visibleAt ? null : recipientStateAt(r, fromMs);
    const after = toMs < message.visibleAt ? null : recipientStateAt(r, toMs);
    if (after && !sameState(before, after)) changes.push({ before, after });
  }
  return changes;
}

/** Wire form of a state: `date` in whole Unix seconds, as a string. */
export function toWireRecipient(state: SimRecipientState): WireRecipient {
  return {
    email: state.email,
    token: state.token,
    status: state.status,
    cost: state.cost,
    stopMail: state.stopMail,
    date: String(Math.floor(state.sinceMs / 1000)),
  };
}

/**
 * A stable token for an email (FNV-1a), so a recipient keeps its identity across
 * replies when the caller did not choose a token.
 */
export function defaultToken(email: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < email.length; i++) {
    h ^= email.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return `tok${(h >>> 0).toString(16).padStart(8, '0')}`;
}

function sameState(a: SimRecipientState | null, b: SimRecipientState): boolean {
  return (
    a !== null &&
    a.status === b.status &&
    a.cost === b.cost &&
    a.stopMail === b.stopMail &&
    // The wire carries whole seconds: a change within the same second is invisible.
    Math.floor(a.sinceMs / 1000) === Math.floor(b.sinceMs / 1000)
  );
}
