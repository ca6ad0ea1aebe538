// Instants in feed lines: ISO 8601 with an offset only.
import { loadDefaultPolicy } from '../../src/domain/policy.ts';
import { expect, it } from 'vitest';
import { parseInstant, validateEvent } from '../../src/modules/evidence/validate.ts';
import { syntheticId } from '../helpers/people.ts';

const { catalogue } = loadDefaultPolicy();

it('reads ISO 8601 instants with an offset only', () => {
  expect(parseInstant('2026-06-01T09:30:00+08:00')?.toISOString()).toBe('2026-06-01T01:30:00.000Z');
  expect(parseInstant('2026-06-01T09:30+0800')?.toISOString()).toBe('2026-06-01T01:30:00.000Z');
  expect(parseInstant('2024-02-29T00:00:00Z')).not.toBeNull();
  for (const bad of ['2026-06-01T09:30:00', '2023-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-06-01T24:00:00Z', '01/06/2026', ''])
    expect(parseInstant(bad)).toBeNull();
});

it('takes a reminder code on self-service results only, normalised, and refuses one that is not a code', () => {
  const now = new Date('2026-06-20T00:00:00Z');
  const face = {
    nationalId: syntheticId('510104', '1950-01-01'),
    source: 'self_service',
    kind: 'face',
    occurredAt: '2026-06-19T10:00:00+08:00',
    sourceRef: 'f-1',
    identityCheck: 'biometric',
  };
  expect(validateEvent({ ...face, reminderCode: 'abcd2345' }, { now, catalogue })).toMatchObject({ ok: true, value: { reminderCode: 'ABCD2345' } });
  expect(validateEvent(face, { now, catalogue })).toEqual({ ok: true, value: expect.not.objectContaining({ reminderCode: expect.anything() }) });
  for (const bad of ['ABCD234', 'ABCD23450', 'ABCD234O', 12345678, true]) {
    expect(validateEvent({ ...face, reminderCode: bad }, { now, catalogue }), String(bad)).toMatchObject({
      ok: false,
      code: 'invalid_field',
      message: expect.stringMatching(/^reminderCode must be 8 characters/),
    });
  }
  expect(validateEvent({ ...face, source: 'bank', kind: 'counter', reminderCode: 'ABCD2345' }, { now, catalogue })).toMatchObject({
    ok: false,
    message: 'reminderCode is only for self_service results',
  });
});
