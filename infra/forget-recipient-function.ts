/**
 * The erasure path of the deployed stack: the ForgetRecipient function, which
 * an operator invokes with `{"email": "<address>"}` (docs/privacy.md). An
 * invocation rather than an event on the bus, because an address put on the
 * bus would reach its archive and every consumer's rule: the opposite of an
 * erasure. Nothing triggers it; only principals allowed `lambda:InvokeFunction`
 * on it can run it.
 *
 *   operator ─▶ aws lambda invoke ─▶ forget-recipient ─▶ DynamoDB table
 *
 * Created in the construct's scope, as the other parts are.
 */
import { Duration } from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { SERVICES } from '../shared/catalog/telemetry.ts';
import { functionEnvironment } from '../shared/config.ts';
import { functionDefaults } from './bundling.ts';
import { functionLogGroup, RUNTIME_ENV, type SyncContext } from './sync-context.ts';

/** Function, role and log group of the erasure. */
export class ForgetRecipientFunction {
  readonly forgetRecipient: NodejsFunction;
  readonly forgetRecipientLogGroup: logs.LogGroup;

  constructor(scope: Construct, ctx: SyncContext) {
    this.forgetRecipientLogGroup = functionLogGroup(scope, 'ForgetRecipientLogs', ctx);
    const role = ctx.permissions.role(
      'ForgetRecipientRole',
      'forget-recipient',
      this.forgetRecipientLogGroup,
    );
    this.forgetRecipient = new NodejsFunction(scope, 'ForgetRecipient', {
      ...functionDefaults('forget-recipient'),
      description:
        'mailpartner-status-sync: erases one recipient everywhere and leaves a tombstone (invoke with {"email": "..."})',
      memorySize: 512,
      // One Scan of the whole table, then a rewrite per message holding the person.
      timeout: Duration.minutes(15),
      role,
      logGroup: this.forgetRecipientLogGroup,
      // Invoked by a person who reads the answer: a failure is shown, not retried behind them.
      retryAttempts: 0,
      environment: functionEnvironment(
        SERVICES.forgetRecipient,
        {
          TABLE_NAME: ctx.table.tableName,
          EMAIL_HASH_SALT_SECRET: ctx.props.emailHashSaltSecret?.secretArn,
          ...RUNTIME_ENV,
        },
        ctx.props.metricsNamespace,
      ),
    });
    ctx.permissions.grantForgetRecipient(role);
  }
}
