/**
 * Reading a synthesized template the way the infra tests need: a role's policy
 * statements, and the dashboard's widgets as JSON.
 */
import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';

export function logicalId(s: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return s.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** Every statement of every policy attached to `role`, in template order. */
export function policyStatements(tpl: Template, s: Stack, role: iam.IRole): unknown[] {
  const policies = tpl.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: logicalId(s, role) }] },
  });
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument
        .Statement,
  );
}

export interface DashboardWidget {
  readonly type: string;
  readonly properties: {
    readonly title?: string;
    readonly metrics?: unknown[][];
    readonly annotations?: { readonly horizontal?: { value: number; label?: string }[] };
    readonly query?: string;
  };
}

/** The dashboard's widgets: its body with every CloudFormation token replaced by "X". */
export function dashboardWidgets(tpl: Template): DashboardWidget[] {
  const [dashboard] = Object.values(tpl.findResources('AWS::CloudWatch::Dashboard')) as {
    Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } };
  }[];
  const parts = dashboard?.Properties.DashboardBody['Fn::Join'][1] ?? [];
  const body = parts.map((p) => (typeof p === 'string' ? p : 'X')).join('');
  return (JSON.parse(body) as { widgets: DashboardWidget[] }).widgets;
}
