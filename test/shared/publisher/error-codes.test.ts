import { EventBridgeServiceException } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import {
  classifyCallError,
  RETRYABLE_ENTRY_ERROR_CODES,
} from '../../../shared/publisher/error-codes.ts';

function serviceError(name: string, status: number): EventBridgeServiceException {
  return new EventBridgeServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

describe('RETRYABLE_ENTRY_ERROR_CODES', () => {
  it('holds the codes AWS documents as retryable, and not the verdicts on an entry', () => {
    expect(RETRYABLE_ENTRY_ERROR_CODES.has('ThrottlingException')).toBe(true);
    expect(RETRYABLE_ENTRY_ERROR_CODES.has('InternalFailure')).toBe(true);
    for (const code of ['MalformedDetail', 'InvalidArgument', 'AccessDeniedException']) {
      expect(RETRYABLE_ENTRY_ERROR_CODES.has(code)).toBe(false);
    }
  });
});

describe('classifyCallError', () => {
  it('retries throttling and server faults, by name or by status', () => {
    expect(classifyCallError(serviceError('ThrottlingException', 400))).toBe('retry');
    expect(classifyCallError(serviceError('InternalException', 500))).toBe('retry');
    expect(classifyCallError(serviceError('SomethingNew', 503))).toBe('retry');
    expect(classifyCallError(serviceError('SomethingNew', 429))).toBe('retry');
  });

  it('names a missing bus and refused access', () => {
    expect(classifyCallError(serviceError('ResourceNotFoundException', 400))).toBe('bus-not-found');
    expect(classifyCallError(serviceError('AccessDeniedException', 400))).toBe('access-denied');
    expect(classifyCallError(serviceError('UnrecognizedClientException', 400))).toBe(
      'access-denied',
    );
  });

  it('leaves validation errors, unknown socket errors and non-errors unknown', () => {
    expect(classifyCallError(serviceError('ValidationException', 400))).toBe('unknown');
    expect(
      classifyCallError(Object.assign(new Error('certificate'), { code: 'CERT_HAS_EXPIRED' })),
    ).toBe('unknown');
    expect(classifyCallError('ThrottlingException')).toBe('unknown');
  });

  it('retries timeouts and dropped connections: the bus client makes one attempt, the publisher retries', () => {
    expect(
      classifyCallError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
    ).toBe('retry');
    const timeout = Object.assign(new Error('request timed out'), { name: 'TimeoutError' });
    expect(classifyCallError(timeout)).toBe('retry');
    expect(classifyCallError(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }))).toBe('retry');
  });
});
