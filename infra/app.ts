/**
 * The CDK app of `cdk.json`. Synthesises offline with no credentials: no
 * lookups, and the stack is environment-agnostic unless the CLI knows the
 * account and region. cdk-nag's AWS Solutions checks run on every synth and
 * fail it on any unacknowledged finding.
 *
 * Context (`-c key=value`): stackName, eventBusName, alarmEmail, dev=true
 * (removal policy DESTROY and no deletion protection: for trying it out),
 * mode=single|fan-out, budgetPerMinute, workerConcurrency (fan-out).
 */
import { App, RemovalPolicy, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MailPartnerStatusSyncStack } from './mailpartner-status-sync-stack.ts';

const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value !== '' ? value : undefined;
};
const dev = context('dev') === 'true';
const mode = context('mode') ?? 'single';
if (mode !== 'single' && mode !== 'fan-out') {
  throw new Error(`-c mode must be single or fan-out, got ${mode}`);
}
/** A whole number from context, or undefined; anything else is an error naming the key. */
const wholeNumber = (key: string): number | undefined => {
  const value = context(key);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`-c ${key} must be a whole number, got ${value}`);
  return Number(value);
};
const budgetPerMinute = wholeNumber('budgetPerMinute');
const workerConcurrency = wholeNumber('workerConcurrency');

new MailPartnerStatusSyncStack(app, context('stackName') ?? 'MailPartnerStatusSync', {
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  },
  alarmEmail: context('alarmEmail'),
  sync: {
    eventBusName: context('eventBusName') ?? 'mailpartner-status-sync',
    mode,
    ...(budgetPerMinute === undefined ? {} : { budgetPerMinute }),
    ...(workerConcurrency === undefined ? {} : { workerConcurrency }),
    ...(dev ? { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false } : {}),
  },
});

Tags.of(app).add('project', 'mailpartner-status-sync');
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
