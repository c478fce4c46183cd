/**
 * Configuration from the environment, validated once, with errors that name the
 * variable to set. The API key is kept out of `toString`/JSON so it cannot leak
 * through a log of the config object.
 */
import * as z from 'zod';

import { EVENT_SOURCE } from './catalog/events.ts';
import { metricsNamespaceOf, type ServiceName } from './catalog/telemetry.ts';
import { StatusSyncError } from './errors.ts';
import { type LifecyclePolicy, lifecyclePolicy } from './lifecycle/policy.ts';
import { DEFAULT_BASE_URL } from './mailpartner/client.ts';
import { DEFAULT_SCHEDULE } from './schedule/next-poll.ts';

export { DEFAULT_BASE_URL };

const envSchema = z.object({
  MAILPARTNER_API_KEY: z.string().optional(),
  // Checked here, not at the first poll: a bad base URL would otherwise fail every message.
  MAILPARTNER_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' })
    .refine((v) => !/[?#]/.test(v), 'must not have a ?query or #fragment (they would drop /v1)')
    .refine((v) => !/^[^/]*\/\/[^/]*@/.test(v), 'must not contain user:password@')
    .default(DEFAULT_BASE_URL),
  MAILPARTNER_FORMAT: z.enum(['json', 'xml']).default('json'),
  TABLE_NAME: z.string().min(3).max(255).default('mailpartner-status-sync'),
  EVENT_BUS_NAME: z.string().min(1).max(256).default('default'),
  // `source` of the published events: two deployments on one bus keep apart by it.
  EVENT_SOURCE: z
    .string()
    .regex(
      /^(?!aws\.)[A-Za-z0-9._/-]{1,256}$/,
      'must be 1-256 of A-Z a-z 0-9 . _ / - and not start with aws.',
    )
    .default(EVENT_SOURCE),
  // No default: unset, the SDK's own chain decides (the profile's region, then instance metadata).
  AWS_REGION: z.string().min(1).optional(),
  // The AWS CLI's name for it; the JavaScript SDK reads AWS_REGION only.
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  POLL_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  POLL_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  POLL_RUN_SECONDS: z.coerce.number().int().min(0).max(55).default(50),
  MAX_POLL_INTERVAL_MINUTES: z.coerce.number().min(1).max(1440).default(30),
  POLL_BACKOFF_FACTOR: z.coerce.number().min(0).max(10).default(0.1),
  SETTLED_POLL_INTERVAL_MINUTES: z.coerce.number().min(0.1).max(1440).default(15),
  TRACKING_WINDOW_HOURS: z.coerce
    .number()
    .min(0.01)
    .max(24 * 30)
    .default(48),
  ENGAGEMENT_WINDOW_MINUTES: z.coerce
    .number()
    .min(0)
    .max(24 * 60 * 7)
    .default(60),
  NOT_FOUND_GRACE_MINUTES: z.coerce
    .number()
    .min(0)
    .max(24 * 60)
    .default(30),
  AUDIT_RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(90),
  PROVIDER_BUDGET_PER_MINUTE: z.coerce.number().int().min(1).max(2000).default(1800),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
  MAILPARTNER_COMMERCIAL_HOLD: z
    .stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'] })
    .default(true),
  // `adaptive` (default): shared/schedule/next-poll.ts; `fixed`: the backoff settings above.
  POLL_SCHEDULER: z.enum(['adaptive', 'fixed']).default('adaptive'),
  HELD_POLL_INTERVAL_MINUTES: z.coerce
    .number()
    .min(1)
    .max(24 * 60)
    .default(240),
  EMAIL_HASH_SALT: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.trim() !== '', 'must not be blank when set'),
  // ARN or name of the Secrets Manager secret holding the salt (the stack sets it).
  EMAIL_HASH_SALT_SECRET: z.string().trim().min(1).optional(),
});

/** Variables read outside `loadConfig`, or by the Lambda runtime and Powertools. */
const OTHER_VARS = [
  'MAILPARTNER_API_KEY_SECRET',
  'WORK_QUEUE_URL',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_LOG_LEVEL',
  'NODE_OPTIONS',
] as const;

/** Name of an environment variable the functions read. */
export type EnvVarName = keyof typeof envSchema.shape | (typeof OTHER_VARS)[number];

/** Every environment variable the functions read, by name: `ENV.TABLE_NAME === 'TABLE_NAME'`. */
export const ENV: { readonly [K in EnvVarName]: K } = Object.freeze(
  Object.fromEntries([...Object.keys(envSchema.shape), ...OTHER_VARS].map((k) => [k, k])),
) as { readonly [K in EnvVarName]: K };

/** Values of environment variables, by name; undefined: not set. */
export type EnvValues = Partial<Record<EnvVarName, string | number | undefined>>;

/**
 * The environment of the function whose service is `service` (see
 * shared/catalog/telemetry.ts): `values` as strings, unset ones left out so
 * the defaults of `loadConfig` apply, then its Powertools service name and the
 * deployment's metrics namespace (`metricsNamespace`, the construct prop:
 * checked, the catalog's default when undefined; the handlers emit into it and
 * the alarms read it). Infra builds every function's environment with it, so a
 * misspelt variable does not compile; the namespace is a required argument so
 * that no function is left on the default by omission.
 */
export function functionEnvironment(
  service: ServiceName,
  values: EnvValues,
  metricsNamespace: string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) env[name] = String(value);
  }
  env[ENV.POWERTOOLS_SERVICE_NAME] = service;
  env[ENV.POWERTOOLS_METRICS_NAMESPACE] = metricsNamespaceOf(metricsNamespace);
  return env;
}

export interface Config {
  readonly baseUrl: string;
  readonly format: 'json' | 'xml';
  readonly tableName: string;
  readonly eventBusName: string;
  /** `source` of every published event (EVENT_SOURCE; default the catalog's). */
  readonly eventSource: string;
  /**
   * AWS_REGION, else AWS_DEFAULT_REGION; undefined leaves it to the SDK's chain
   * (the profile's `region`), which fails with "Region is missing" if nothing is set.
   */
  readonly region: string | undefined;
  readonly concurrency: number;
  /**
   * How long the poller keeps ticking (10 s ticks) in each invocation:
   * `POLL_RUN_SECONDS`, default 50; 0 runs one cycle a minute (cheaper, slower).
   */
  readonly pollRunSeconds: number;
  /** Schedule and end-of-tracking settings. */
  readonly policy: LifecyclePolicy;
  readonly auditRetentionDays: number;
  /**
   * MailPartner requests a minute for this deployment, below the provider's
   * 2,000/min per IP so that the user's own sending code keeps some headroom.
   */
  readonly budgetPerMinute: number;
  /** Reserved concurrency of the fan-out workers (each gets budget / workers). */
  readonly workerConcurrency: number;
  /**
   * Whether the provider's commercial hold applies (no commercial mail 20:00–08:00
   * Paris time, Sundays, French public holidays); off for accounts whose
   * restriction the provider lifted. `MAILPARTNER_COMMERCIAL_HOLD`, default true.
   */
  readonly commercialHold: boolean;
  /** When set, events carry an HMAC of each address instead of the address (audit keeps it). */
  emailHashSalt(): string | null;
  /**
   * ARN or name of the Secrets Manager secret holding the salt, read at run
   * time (runtime/email-hash-salt.ts); null when the salt is not in a secret.
   */
  readonly emailHashSaltSecret: string | null;
  /** The API key, or null when not configured. Never log it. */
  apiKey(): string | null;
}

/** A variable is missing or invalid: a human must fix the environment. */
export class ConfigError extends StatusSyncError {
  readonly kind = 'configuration';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** Reads the configuration; throws `ConfigError` naming each bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  if (e.EMAIL_HASH_SALT !== undefined && e.EMAIL_HASH_SALT_SECRET !== undefined) {
    throw new ConfigError(
      'Invalid configuration: EMAIL_HASH_SALT and EMAIL_HASH_SALT_SECRET are both set; set one (the secret in AWS)',
    );
  }
  const key = e.MAILPARTNER_API_KEY?.trim() || null;
  return {
    baseUrl: e.MAILPARTNER_BASE_URL,
    format: e.MAILPARTNER_FORMAT,
    tableName: e.TABLE_NAME,
    eventBusName: e.EVENT_BUS_NAME,
    eventSource: e.EVENT_SOURCE,
    region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION,
    concurrency: e.POLL_CONCURRENCY,
    pollRunSeconds: e.POLL_RUN_SECONDS,
    policy: lifecyclePolicy({
      minIntervalMs: e.POLL_INTERVAL_SECONDS * 1000,
      maxIntervalMs: Math.max(e.POLL_INTERVAL_SECONDS * 1000, e.MAX_POLL_INTERVAL_MINUTES * 60_000),
      trackingWindowMs: e.TRACKING_WINDOW_HOURS * 3_600_000,
      engagementWindowMs: e.ENGAGEMENT_WINDOW_MINUTES * 60_000,
      backoffFactor: e.POLL_BACKOFF_FACTOR,
      settledIntervalMs: e.SETTLED_POLL_INTERVAL_MINUTES * 60_000,
      notFoundGraceMs: e.NOT_FOUND_GRACE_MINUTES * 60_000,
      notFoundIntervalMs: e.POLL_INTERVAL_SECONDS * 1000,
      heldIntervalMs: e.HELD_POLL_INTERVAL_MINUTES * 60_000,
      ...(e.POLL_SCHEDULER === 'adaptive' ? { schedule: DEFAULT_SCHEDULE } : {}),
    }),
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    budgetPerMinute: e.PROVIDER_BUDGET_PER_MINUTE,
    workerConcurrency: e.WORKER_CONCURRENCY,
    commercialHold: e.MAILPARTNER_COMMERCIAL_HOLD,
    emailHashSalt: () => e.EMAIL_HASH_SALT ?? null,
    emailHashSaltSecret: e.EMAIL_HASH_SALT_SECRET ?? null,
    apiKey: () => key,
  };
}
