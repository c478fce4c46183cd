/**
 * What the console shows, read from the store: the messages this data dir
 * knows (with their state and counts by status) and one message's recipients,
 * each with its timeline from the audit trail. Read-only.
 *
 * The store has no "list every message" query (its due index holds active
 * messages only), so the console keeps its own directory of ids: the demo's,
 * the active ones found at start, and every id seen on the bus since, kept in
 * `<data dir>/messages.json` so ended messages still show after a restart.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { TrackedMessage } from '../../shared/domain/tracked-message.ts';
import type { AuditRecord } from '../../shared/ports.ts';
import type { DynamoStatusStore } from '../../shared/store/dynamo-status-store.ts';

/** One row of the messages table. */
export interface MessageRow extends TrackedMessage {
  readonly demo: boolean;
  readonly recipients: number;
  /** Recipients per current raw status. */
  readonly counts: Readonly<Record<string, number>>;
}

/** One step of a recipient's timeline. */
export interface TimelineStep {
  readonly sequence: number;
  readonly status: string;
  readonly previousStatus: string | null;
  readonly statusAt: string;
  readonly observedAt: string;
  readonly eventId: string;
}

/** A recipient with its timeline, oldest step first. */
export interface RecipientView {
  readonly email: string;
  readonly token: string;
  readonly status: string;
  readonly statusAt: string;
  readonly sequence: number;
  readonly timeline: readonly TimelineStep[];
}

export interface MessageView {
  readonly message: MessageRow;
  readonly recipients: readonly RecipientView[];
}

type Store = Pick<DynamoStatusStore, 'load' | 'listDue' | 'audit'>;

/** The console's read side over the store. */
export class ConsoleData {
  readonly #store: Store;
  readonly #file: string;
  readonly #ids = new Set<string>();
  readonly #demo = new Set<string>();
  #saving: Promise<void> = Promise.resolve();

  constructor(store: Store, file: string) {
    this.#store = store;
    this.#file = file;
  }

  /** Reads the saved directory and adds the messages active in the store now. */
  async open(): Promise<void> {
    try {
      const saved = JSON.parse(await readFile(this.#file, 'utf8')) as unknown;
      if (Array.isArray(saved))
        for (const id of saved) if (typeof id === 'string') this.#ids.add(id);
    } catch {
      // First run, or an unreadable file: the store still has the active ones.
    }
    for (const m of await this.#store.listDue(new Date(), { force: true }))
      this.#ids.add(m.messageId);
    await this.#save();
  }

  /** Marks ids as the demo's (shown as such) and remembers them. */
  async addDemo(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.#demo.add(id);
    await this.remember(ids);
  }

  /** Remembers ids seen on the bus or tracked. */
  async remember(ids: readonly string[]): Promise<void> {
    const before = this.#ids.size;
    for (const id of ids) this.#ids.add(id);
    if (this.#ids.size !== before) await this.#save();
  }

  /** Known messages, newest tracked first; ids no longer stored are skipped. */
  async messages(): Promise<MessageRow[]> {
    const rows = await Promise.all([...this.#ids].map((id) => this.#row(id)));
    return rows
      .filter((r): r is MessageRow => r !== null)
      .sort(
        (a, b) => b.trackedAt.localeCompare(a.trackedAt) || a.messageId.localeCompare(b.messageId),
      );
  }

  /** One message with its recipients' timelines; null when not tracked. */
  async message(messageId: string): Promise<MessageView | null> {
    const [loaded, history] = await Promise.all([
      this.#store.load(messageId),
      this.#store.audit.history(messageId),
    ]);
    if (!loaded) return null;
    const steps = new Map<string, TimelineStep[]>();
    for (const record of history) {
      const step = toStep(record);
      if (!step) continue;
      const key = `${record.email}\u0000${record.token}`;
      steps.set(key, [...(steps.get(key) ?? []), step]);
    }
    const recipients = [...loaded.recipients.values()]
      .sort((a, b) => a.email.localeCompare(b.email) || a.token.localeCompare(b.token))
      .map((r) => ({
        email: r.email,
        token: r.token,
        status: r.status,
        statusAt: r.statusAt,
        sequence: r.sequence,
        timeline: (steps.get(`${r.email}\u0000${r.token}`) ?? []).sort(
          (a, b) => a.sequence - b.sequence,
        ),
      }));
    return { message: this.#toRow(loaded.message, loaded.recipients.values()), recipients };
  }

  async #row(id: string): Promise<MessageRow | null> {
    const loaded = await this.#store.load(id);
    return loaded ? this.#toRow(loaded.message, loaded.recipients.values()) : null;
  }

  #toRow(message: TrackedMessage, recipients: Iterable<{ status: string }>): MessageRow {
    const counts: Record<string, number> = {};
    let n = 0;
    for (const r of recipients) {
      counts[r.status] = (counts[r.status] ?? 0) + 1;
      n++;
    }
    return { ...message, demo: this.#demo.has(message.messageId), recipients: n, counts };
  }

  /** One write at a time, the last one holding every id. */
  #save(): Promise<void> {
    this.#saving = this.#saving
      .then(() => writeFile(this.#file, JSON.stringify([...this.#ids])))
      .catch(() => undefined);
    return this.#saving;
  }
}

/** A recipient event's audit record as a timeline step; null for message-level records. */
function toStep(record: AuditRecord): TimelineStep | null {
  const detail = record.event.detail as Partial<Record<string, unknown>>;
  if (typeof detail.status !== 'string') return null;
  return {
    sequence: record.sequence,
    status: detail.status,
    previousStatus: typeof detail.previousStatus === 'string' ? detail.previousStatus : null,
    statusAt: record.statusAt,
    observedAt: record.observedAt,
    eventId: record.eventId,
  };
}
