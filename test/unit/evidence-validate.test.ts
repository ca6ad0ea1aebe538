// Instants in feed lines: ISO 8601 with an offset only.
import { expect, it } from 'vitest';
import { parseInstant } from '../../src/modules/evidence/validate.ts';

it('reads ISO 8601 instants with an offset only', () => {
  expect(parseInstant('2026-06-01T09:30:00+08:00')?.toISOString()).toBe('2026-06-01T01:30:00.000Z');
  expect(parseInstant('2026-06-01T09:30+0800')?.toISOString()).toBe('2026-06-01T01:30:00.000Z');
  expect(parseInstant('2024-02-29T00:00:00Z')).not.toBeNull();
  for (const bad of ['2026-06-01T09:30:00', '2023-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-06-01T24:00:00Z', '01/06/2026', ''])
    expect(parseInstant(bad)).toBeNull();
});
