/**
 * The Powertools `Metrics` every function emits through: its catalogued
 * service name, and the deployment's namespace from POWERTOOLS_METRICS_NAMESPACE,
 * which infra sets from the construct's `metricsNamespace` (shared/config.ts
 * `functionEnvironment`) and the alarms and dashboard read.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { metricsNamespaceOf, type ServiceName } from '../shared/catalog/telemetry.ts';
import { ENV } from '../shared/config.ts';

/**
 * Metrics of `service` in the namespace `env` names. Powertools would read the
 * variable itself when no namespace is passed, but would fall back to its own
 * `default_namespace` when it is unset (a run outside the construct); passing
 * it here falls back to the catalog's default instead, and refuses a namespace
 * CloudWatch would not accept.
 */
export function functionMetrics(
  service: ServiceName,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Metrics {
  const namespace = metricsNamespaceOf(env[ENV.POWERTOOLS_METRICS_NAMESPACE] || undefined);
  return new Metrics({ namespace, serviceName: service });
}
