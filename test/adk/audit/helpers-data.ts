// Test data with no test-runner dependency, so child processes can import it.
import type { AppendInput } from '../../../src/adk/audit/index.ts';

/** A decision record of roughly 300-500 bytes. */
export function decision(i: number, extra: Partial<AppendInput> = {}): AppendInput {
  return {
    kind: 'decision',
    decision_id: `dec-${i}`,
    tool: i % 3 === 0 ? 'shell.exec' : 'fs.read',
    args: { path: `/srv/data/${i}.json`, mode: 'r', attempt: i % 5, flags: ['a', 'b'] },
    decision: i % 4 === 0 ? 'deny' : 'allow',
    reasons: i % 4 === 0 ? ['path outside sandbox'] : [],
    revision: 'r42',
    digest: 'sha256:' + 'ab'.repeat(32),
    agent: { id: 'agent-7' },
    latency_ns: 1000 + i,
    ...extra,
  };
}
