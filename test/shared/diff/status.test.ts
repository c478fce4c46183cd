import { describe, expect, it } from 'vitest';
import { classifyStatus, normalizeStatus } from '../../../shared/diff/status.ts';

describe('normalizeStatus', () => {
  it.each([
    ['Not delivered', 'not delivered'],
    ['NOT_DELIVERED', 'not delivered'],
    [' not-delivered ', 'not delivered'],
    ['not  _-\tdelivered', 'not delivered'],
    ['Not\u00a0Delivered', 'not delivered'],
    ['\nDelivered\n', 'delivered'],
    ['', ''],
  ])('folds %j to %j', (raw, expected) => {
    expect(normalizeStatus(raw)).toBe(expected);
  });
});

describe('classifyStatus', () => {
  it.each(['Delivered', 'delivered', ' DELIVERED '])('%j is RecipientDelivered', (raw) => {
    expect(classifyStatus(raw)).toBe('RecipientDelivered');
  });

  it.each([
    'Not delivered',
    'not_delivered',
    'NOT-DELIVERED',
    'Undelivered',
    'Failed',
    'Bounced',
    'bounce',
    'Hard bounce',
    'hard_bounce',
    'HardBounce',
    'Soft-Bounce',
    'soft bounced',
    'Rejected',
    'ko',
    'KO',
    'Not sent',
  ])('%j is RecipientNotDelivered', (raw) => {
    expect(classifyStatus(raw)).toBe('RecipientNotDelivered');
  });

  it.each(['Opened', 'open', 'OPEN'])('%j is RecipientOpened', (raw) => {
    expect(classifyStatus(raw)).toBe('RecipientOpened');
  });

  it.each(['Clicked', 'click', ' CLICK'])('%j is RecipientClicked', (raw) => {
    expect(classifyStatus(raw)).toBe('RecipientClicked');
  });

  it.each([
    'Waiting',
    'Pending',
    'sent',
    'Sent',
    'unknown',
    '',
    '   ',
    'Délivré',
    'delivered!',
    'not',
  ])('%j (anything else) is RecipientStatusChanged', (raw) => {
    expect(classifyStatus(raw)).toBe('RecipientStatusChanged');
  });

  it('never classifies a status as RecipientUnsubscribed (that comes from stopMail)', () => {
    expect(classifyStatus('Unsubscribed')).toBe('RecipientStatusChanged');
  });
});
