/**
 * The local pattern matcher against the examples of the EventBridge user guide
 * ("Content filtering in Amazon EventBridge event patterns") and the event-ruler
 * README, on the guide's sample EC2 event.
 */
import { describe, expect, it } from 'vitest';
import { compileEventPattern, EventPatternError } from '../../local/event-pattern.ts';

const EVENT = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

const matches = (pattern: unknown, event: unknown = EVENT) => compileEventPattern(pattern)(event);
const withDetail = (detail: Record<string, unknown>) => ({ ...EVENT, detail });

describe('compileEventPattern', () => {
  it('matches exact values, ANDs fields, ORs the values of one field', () => {
    const pattern = {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
      detail: { state: ['initializing', 'running'] },
    };
    expect(matches(pattern)).toBe(true);
    expect(matches({ ...pattern, source: ['aws.s3'] })).toBe(false);
    expect(matches({ source: ['aws.ec2', 'aws.fargate'] })).toBe(true);
    expect(matches({ detail: { state: ['stopped'] } })).toBe(false);
    expect(matches({ detail: { state: ['Running'] } })).toBe(false);
  });

  it('compares numbers as numbers, and null and booleans exactly', () => {
    expect(matches({ detail: { 'x-limit': [3.018e2] } })).toBe(true);
    expect(matches({ detail: { 'c-count': ['5'] } })).toBe(false);
    expect(matches({ detail: { v: [null] } }, withDetail({ v: null }))).toBe(true);
    expect(matches({ detail: { v: [null] } }, withDetail({}))).toBe(false);
    expect(matches({ detail: { v: [false] } }, withDetail({ v: false }))).toBe(true);
    expect(matches({ detail: { v: [''] } }, withDetail({ v: '' }))).toBe(true);
  });

  it('matches an array in the event when any element matches', () => {
    expect(matches({ resources: [{ prefix: 'arn:aws:ec2:' }] })).toBe(true);
    expect(matches({ detail: { tags: ['b'] } }, withDetail({ tags: ['a', 'b'] }))).toBe(true);
    expect(matches({ detail: { tags: ['c'] } }, withDetail({ tags: ['a', 'b'] }))).toBe(false);
    const items = withDetail({ items: [{ sku: 'x' }, { sku: 'y' }] });
    expect(matches({ detail: { items: { sku: ['y'] } } }, items)).toBe(true);
    expect(matches({ detail: { items: { sku: ['z'] } } }, items)).toBe(false);
  });

  it('prefix and suffix, with and without equals-ignore-case', () => {
    expect(matches({ time: [{ prefix: '2017-10-02' }] })).toBe(true);
    expect(matches({ time: [{ prefix: '2017-10-03' }] })).toBe(false);
    expect(matches({ source: [{ suffix: 'ec2' }] })).toBe(true);
    expect(matches({ source: [{ suffix: 'EC2' }] })).toBe(false);
    const file = withDetail({ FileName: 'photo.PNG', service: 'EVENTBRIDGE' });
    expect(matches({ detail: { FileName: [{ suffix: '.png' }] } }, file)).toBe(false);
    expect(
      matches({ detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, file),
    ).toBe(true);
    expect(
      matches({ detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } }, file),
    ).toBe(true);
    expect(matches({ source: [{ 'equals-ignore-case': 'AWS.EC2' }] })).toBe(true);
    // String operators never match numbers.
    expect(matches({ detail: { 'c-count': [{ prefix: '5' }] } })).toBe(false);
  });

  it('wildcard, with escapes', () => {
    expect(matches({ source: [{ wildcard: 'aws.*' }] })).toBe(true);
    expect(matches({ source: [{ wildcard: '*.s3' }] })).toBe(false);
    const path = withDetail({ FilePath: 'dir/lib/x.js', star: 'a*b' });
    expect(matches({ detail: { FilePath: [{ wildcard: '*/lib/*' }] } }, path)).toBe(true);
    expect(matches({ detail: { star: [{ wildcard: 'a\\*b' }] } }, path)).toBe(true);
    expect(matches({ detail: { star: [{ wildcard: 'a\\*c' }] } }, path)).toBe(false);
    expect(() => compileEventPattern({ source: [{ wildcard: 'a**' }] })).toThrow(EventPatternError);
  });

  it('anything-but: a value, a list, a prefix, a suffix, ignoring case', () => {
    expect(matches({ detail: { state: [{ 'anything-but': 'initializing' }] } })).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': 'running' }] } })).toBe(false);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': 123 }] } })).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } })).toBe(
      true,
    );
    expect(matches({ detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } })).toBe(
      false,
    );
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } })).toBe(true);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': [100, 301.8] }] } })).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { prefix: 'init' } }] } })).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': { prefix: 'run' } }] } })).toBe(false);
    expect(matches({ region: [{ 'anything-but': { prefix: 'us-' } }] })).toBe(false);
    const png = withDetail({ FileName: 'a.png', state: 'INITIALIZING' });
    expect(matches({ detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } }, png)).toBe(
      false,
    );
    expect(
      matches(
        { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
        png,
      ),
    ).toBe(false);
    // A missing field is not "anything but".
    expect(matches({ detail: { nope: [{ 'anything-but': 'x' }] } })).toBe(false);
  });

  it('numeric ranges', () => {
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    expect(matches(pattern)).toBe(true);
    expect(matches({ detail: { 'c-count': [{ numeric: ['>', 5] }] } })).toBe(false);
    expect(matches({ detail: { 'c-count': [{ numeric: ['>=', 5] }] } })).toBe(true);
    expect(matches({ detail: { state: [{ numeric: ['>', 0] }] } })).toBe(false);
    expect(() => compileEventPattern({ a: [{ numeric: ['<', 1, '>', 0] }] })).toThrow(/numeric/);
  });

  it('exists true and false, on leaves only', () => {
    expect(matches({ detail: { 'c-count': [{ exists: true }] } })).toBe(true);
    expect(matches({ detail: { 'c-count': [{ exists: false }] } })).toBe(false);
    expect(matches({ detail: { nope: [{ exists: false }] } })).toBe(true);
    expect(matches({ detail: { nope: [{ exists: true }] } })).toBe(false);
    // The README's example: c-count holding an object is not a leaf, so it "does not exist".
    const nested = withDetail({ state: 'running', 'c-count': { c1: 100 } });
    expect(matches({ detail: { 'c-count': [{ exists: false }] } }, nested)).toBe(true);
  });

  it('the complex example of the README (cidr aside)', () => {
    const pattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
      },
    };
    expect(matches(pattern)).toBe(true);
    expect(matches(pattern, withDetail({ ...EVENT.detail, state: 'initializing' }))).toBe(false);
  });

  it('$or, at the top and nested', () => {
    const event = { source: 'aws.cloudwatch', metricName: 'X', namespace: 'AWS/EC2' };
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        { namespace: ['AWS/EC2', 'AWS/ES'] },
      ],
    };
    expect(matches(pattern, event)).toBe(true);
    expect(matches(pattern, { ...event, namespace: 'AWS/S3' })).toBe(false);
    expect(matches({ detail: { $or: [{ a: [1] }, { b: [2] }] } }, withDetail({ b: 2 }))).toBe(true);
  });

  it('refuses what EventBridge refuses, naming where', () => {
    expect(() => compileEventPattern('{not json')).toThrow(/not valid JSON/);
    expect(() => compileEventPattern([])).toThrow(/JSON object/);
    expect(() => compileEventPattern({ source: 'aws.ec2' })).toThrow(/source: must be/);
    expect(() => compileEventPattern({ detail: { a: [] } })).toThrow(/detail\.a/);
    expect(() => compileEventPattern({ a: [{ regex: 'x' }] })).toThrow(/unknown operator "regex"/);
    expect(() => compileEventPattern({ a: [{ 'anything-but': [1, 'x'] }] })).toThrow(
      /only strings/,
    );
    expect(() => compileEventPattern({ a: [{ cidr: '10.0.0.0/24' }] })).toThrow(/cidr/);
    expect(() => compileEventPattern({ a: [{ exists: 'yes' }] })).toThrow(/exists/);
  });

  it('accepts the pattern as JSON text', () => {
    expect(matches('{"source":["aws.ec2"],"detail":{"state":["running"]}}')).toBe(true);
  });
});
