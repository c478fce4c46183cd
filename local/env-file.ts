/**
 * `<data dir>/env`: every setting a second terminal needs to reach the running
 * `npm start` (the CLI, the AWS SDK, a consumer's own script), one KEY=value a
 * line, so `set -a; . .status-sync/env; set +a` is all it takes.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the running stack listens, and what it is called. */
export interface StackSettings {
  readonly dynamodbUrl: string;
  readonly eventBridgeUrl: string;
  readonly consoleUrl: string;
  readonly tableName: string;
  readonly eventBusName: string;
  readonly region: string;
  readonly mailPartnerBaseUrl: string;
  /** The simulator's demo key; null against the real provider (its key stays out of files). */
  readonly demoApiKey: string | null;
}

/** The env file's path for a data dir. */
function envFilePath(dataDir: string): string {
  return join(dataDir, 'env');
}

/** The file's lines, comments first. */
export function envFileText(s: StackSettings, path: string): string {
  const lines = [
    '# Written by `npm start` for as long as it runs. In another terminal:',
    `#   set -a; . ${path}; set +a; npx status-sync status <messageId>`,
    `AWS_REGION=${s.region}`,
    // The SDK insists on credentials; the local servers only check one is sent.
    'AWS_ACCESS_KEY_ID=local',
    'AWS_SECRET_ACCESS_KEY=local',
    `AWS_ENDPOINT_URL_DYNAMODB=${s.dynamodbUrl}`,
    `AWS_ENDPOINT_URL_EVENTBRIDGE=${s.eventBridgeUrl}`,
    `TABLE_NAME=${s.tableName}`,
    `EVENT_BUS_NAME=${s.eventBusName}`,
    `MAILPARTNER_BASE_URL=${s.mailPartnerBaseUrl}`,
    s.demoApiKey === null
      ? '# MAILPARTNER_API_KEY: the real key is not written here; export it yourself to poll.'
      : `MAILPARTNER_API_KEY=${s.demoApiKey}`,
    // The simulator sends at once: no commercial hold to wait for (the real API keeps it).
    ...(s.demoApiKey === null ? [] : ['MAILPARTNER_COMMERCIAL_HOLD=false']),
    `STATUS_SYNC_CONSOLE=${s.consoleUrl}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes the env file (owner-only: it may hold the demo key). */
export async function writeEnvFile(dataDir: string, settings: StackSettings): Promise<string> {
  const path = envFilePath(dataDir);
  await writeFile(path, envFileText(settings, path), { mode: 0o600 });
  return path;
}

/** Removes it when the stack stops, so no terminal is pointed at ports nobody serves. */
export async function removeEnvFile(dataDir: string): Promise<void> {
  await rm(envFilePath(dataDir), { force: true });
}
