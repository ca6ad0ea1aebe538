// QUEUE_LOCK_MS: unset keeps each queue's own lock; a value sets every worker's; below 1 s is refused.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('QUEUE_LOCK_MS', () => {
  it('is unset by default (each queue keeps its own lock)', () => {
    expect(loadConfig({}).queueLockMs).toBeUndefined();
  });
  it('takes a value of 1000 or more', () => {
    expect(loadConfig({ QUEUE_LOCK_MS: '5000' }).queueLockMs).toBe(5000);
  });
  it.each(['999', '0', '-1', 'soon'])('refuses %s in one line naming it', (v) => {
    expect(() => loadConfig({ QUEUE_LOCK_MS: v })).toThrow(ConfigError);
    expect(() => loadConfig({ QUEUE_LOCK_MS: v })).toThrow(/QUEUE_LOCK_MS/);
  });
});
