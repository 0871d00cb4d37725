// `serve`'s console flags: session idle and absolute lifetime, the stale threshold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleSettings } from '../../../../src/cli/commands/orchestrator/serve.ts';

const DEFAULTS = { sessionIdle: '1h', sessionLifetime: '12h', staleAfter: '1h' };

test('console flags: durations parsed; zero, nonsense, idle beyond lifetime and stale before offline refused with the flag named', () => {
  assert.deepEqual(consoleSettings(DEFAULTS, 30_000), { sessionIdleMs: 3_600_000, sessionTtlMs: 43_200_000, staleAfterMs: 3_600_000 });
  assert.deepEqual(consoleSettings({ sessionIdle: '15m', sessionLifetime: '8h', staleAfter: '10m' }, 30_000), { sessionIdleMs: 900_000, sessionTtlMs: 28_800_000, staleAfterMs: 600_000 });
  const refused: [Partial<typeof DEFAULTS>, RegExp][] = [
    [{ sessionIdle: '0s' }, /--session-idle must be more than 0/],
    [{ sessionLifetime: 'forever' }, /--session-lifetime: "forever" is not a duration/],
    [{ staleAfter: '-5m' }, /--stale-after/],
    [{ sessionIdle: '13h' }, /--session-idle \(13h\) cannot be longer than --session-lifetime \(12h\)/],
    [{ staleAfter: '30s' }, /--stale-after \(30s\) must be longer than --offline-after/],
  ];
  for (const [o, message] of refused) assert.throws(() => consoleSettings({ ...DEFAULTS, ...o }, 30_000), { code: 'bad_duration', message }, JSON.stringify(o));
});
