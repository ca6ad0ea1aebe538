// VISIT_LEAD_DAYS: 30 by default; any whole number of days from 0; anything else is refused in one line naming it.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('VISIT_LEAD_DAYS', () => {
  it('is 30 by default, and takes 0 or more whole days', () => {
    expect(loadConfig({}).visitLeadDays).toBe(30);
    expect(loadConfig({ VISIT_LEAD_DAYS: '0' }).visitLeadDays).toBe(0);
    expect(loadConfig({ VISIT_LEAD_DAYS: '45' }).visitLeadDays).toBe(45);
  });
  it.each(['-1', '1.5', 'soon'])('refuses %s in one line naming it', (v) => {
    expect(() => loadConfig({ VISIT_LEAD_DAYS: v })).toThrow(ConfigError);
    expect(() => loadConfig({ VISIT_LEAD_DAYS: v })).toThrow(/VISIT_LEAD_DAYS/);
  });
});
