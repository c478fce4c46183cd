/**
 * Privacy in the template (issue 13): the `emailHashSaltSecret` prop reaches
 * every function that creates events (poller, worker, track-message) and the
 * erasure function, each allowed to read exactly that secret; the recipient
 * index; the ForgetRecipient function as the erasure path, invoked by an
 * operator only (no rule, no bus access). Two modes, with and without the salt.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailPartnerStatusSync } from '../../infra/mailpartner-status-sync.ts';
import { RECIPIENT_INDEX } from '../../shared/store/table.ts';
import { defined, type TestApp, testApp } from './synth.ts';
import { logicalId, policyStatements } from './template.ts';

const SALT_ARN =
  'arn:aws:secretsmanager:eu-west-1:111122223333:secret:mailpartner/email-salt-AbCdEf';

let t: TestApp;
let single: { stack: Stack; sync: MailPartnerStatusSync; template: Template };
let fanOut: { stack: Stack; sync: MailPartnerStatusSync; template: Template };
let plain: { stack: Stack; sync: MailPartnerStatusSync; template: Template };

function build(id: string, mode: 'single' | 'fan-out', salted: boolean) {
  const stack = new Stack(t.app, id, { env: { account: '111122223333', region: 'eu-west-1' } });
  const sync = new MailPartnerStatusSync(stack, 'StatusSync', {
    mode,
    ...(salted
      ? {
          emailHashSaltSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Salt', SALT_ARN),
        }
      : {}),
  });
  return { stack, sync };
}

beforeAll(() => {
  t = testApp();
  // Every stack first, then the templates: one synthesis of the whole app.
  const built = [
    build('PrivacySingle', 'single', true),
    build('PrivacyFanOut', 'fan-out', true),
    build('PrivacyPlain', 'single', false),
  ].map((b) => ({ ...b, template: Template.fromStack(b.stack) }));
  [single, fanOut, plain] = built as [typeof single, typeof fanOut, typeof plain];
});
afterAll(() => t?.cleanup());

function envOf(template: Template, stack: Stack, fn: { node: { defaultChild?: unknown } }) {
  const resources = template.findResources('AWS::Lambda::Function');
  const own = resources[logicalId(stack, fn)] as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  };
  return own.Properties.Environment.Variables;
}

function readsSalt(template: Template, stack: Stack, role: iam.IRole): boolean {
  return policyStatements(template, stack, role).some(
    (s) =>
      JSON.stringify(s).includes('secretsmanager:GetSecretValue') &&
      JSON.stringify(s).includes(SALT_ARN),
  );
}

describe('emailHashSaltSecret', () => {
  it('reaches every function that creates events, and ForgetRecipient, with a grant on exactly that secret', () => {
    const worker = defined(fanOut.sync.fanOut, 'fan-out').worker;
    const cases = [
      [single, defined(single.sync.poller, 'poller')],
      [single, single.sync.trackMessage],
      [single, single.sync.forgetRecipient],
      [fanOut, worker],
      [fanOut, fanOut.sync.trackMessage],
      [fanOut, fanOut.sync.forgetRecipient],
    ] as const;
    for (const [built, fn] of cases) {
      expect(envOf(built.template, built.stack, fn).EMAIL_HASH_SALT_SECRET).toBe(SALT_ARN);
      expect(readsSalt(built.template, built.stack, defined(fn.role, 'role'))).toBe(true);
    }
    // The dispatcher creates no event: it neither gets nor reads the salt.
    const dispatcher = defined(fanOut.sync.fanOut, 'fan-out').dispatcher;
    expect(envOf(fanOut.template, fanOut.stack, dispatcher).EMAIL_HASH_SALT_SECRET).toBeUndefined();
    expect(readsSalt(fanOut.template, fanOut.stack, defined(dispatcher.role, 'role'))).toBe(false);
  });

  it('leaves the salt out entirely when not given (addresses published plain)', () => {
    for (const fn of [defined(plain.sync.poller, 'poller'), plain.sync.trackMessage]) {
      expect(envOf(plain.template, plain.stack, fn).EMAIL_HASH_SALT_SECRET).toBeUndefined();
    }
    expect(JSON.stringify(plain.template.toJSON())).not.toContain('email-salt');
  });
});

describe('the recipient index', () => {
  it('is a sparse GSI on recipientHash sorted by observedAt, projecting whole records', () => {
    single.template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: RECIPIENT_INDEX.name,
          KeySchema: [
            { AttributeName: 'recipientHash', KeyType: 'HASH' },
            { AttributeName: 'observedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ]),
    });
  });
});

describe('the erasure path: ForgetRecipient', () => {
  it('is invoked by an operator only: no rule targets it, it cannot publish, and it may scan and rewrite the table', () => {
    for (const built of [single, fanOut, plain]) {
      const fn = built.sync.forgetRecipient;
      const id = logicalId(built.stack, fn);
      const rules = built.template.findResources('AWS::Events::Rule');
      expect(JSON.stringify(rules)).not.toContain(id);
      expect(
        Object.keys(built.template.findResources('AWS::Lambda::Permission')).filter((k) =>
          JSON.stringify(built.template.toJSON().Resources[k]).includes(id),
        ),
      ).toEqual([]);
      const statements = JSON.stringify(
        policyStatements(built.template, built.stack, defined(fn.role, 'role')),
      );
      expect(statements).toContain('dynamodb:Scan');
      expect(statements).toContain('dynamodb:BatchWriteItem');
      expect(statements).not.toContain('events:PutEvents');
      expect(statements).not.toContain('mailpartner/api-key');
      expect(envOf(built.template, built.stack, fn).TABLE_NAME).toBeDefined();
    }
    single.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('erases one recipient'),
      Timeout: 900,
    });
  });
});
