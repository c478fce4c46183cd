/**
 * The CDK app of `cdk.json`. Synthesises offline with no credentials: no
 * lookups, and the stack is environment-agnostic unless the CLI knows the
 * account and region. cdk-nag's AWS Solutions checks run on every synth and
 * fail it on any unacknowledged finding.
 *
 * Context (`-c key=value`): stackName, eventBusName, alarmEmail, dev=true
 * (removal policy DESTROY and no deletion protection: for trying it out).
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

new MailPartnerStatusSyncStack(app, context('stackName') ?? 'MailPartnerStatusSync', {
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  },
  alarmEmail: context('alarmEmail'),
  sync: {
    eventBusName: context('eventBusName') ?? 'mailpartner-status-sync',
    ...(dev ? { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false } : {}),
  },
});

Tags.of(app).add('project', 'mailpartner-status-sync');
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
