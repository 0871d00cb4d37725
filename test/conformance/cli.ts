// `npm run conformance -- [--dir DIR] [--json FILE] [--filter TEXT] [--verbose]`
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BASELINE, DEFAULT_CASES, readBaseline, runAll, topicOf, type CaseOutcome } from './runner.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: DEFAULT_CASES },
    json: { type: 'string' },
    filter: { type: 'string' },
    verbose: { type: 'boolean', short: 'v', default: false },
    'write-baseline': { type: 'boolean', default: false },
    process: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write('usage: npm run conformance -- [--dir DIR] [--json FILE] [--filter TEXT] [--verbose] [--write-baseline] [--process: one `autonomy eval` per case]\n');
  process.exit(0);
}

const started = performance.now();
const outcomes = runAll(values.dir, values.filter, values.process ? 'process' : 'in-process');
const byTopic = new Map<string, CaseOutcome[]>();
for (const o of outcomes) {
  const t = topicOf(o);
  if (!byTopic.has(t)) byTopic.set(t, []);
  byTopic.get(t)!.push(o);
}
const count = (os: CaseOutcome[], s: CaseOutcome['status']): number => os.filter((o) => o.status === s).length;
const width = Math.max(5, ...[...byTopic.keys()].map((t) => t.length));
process.stdout.write(`${'topic'.padEnd(width)}  passed  failed  skipped\n`);
for (const [topic, os] of [...byTopic].sort(([a], [b]) => a.localeCompare(b))) {
  process.stdout.write(`${topic.padEnd(width)}  ${String(count(os, 'passed')).padStart(6)}  ${String(count(os, 'failed')).padStart(6)}  ${String(count(os, 'skipped')).padStart(7)}\n`);
  if (values.verbose) for (const o of os) if (o.status === 'failed') process.stdout.write(`    FAIL ${o.note}: ${o.reason.slice(0, 300)}\n`);
}
if (values.json) {
  const summary = { passed: count(outcomes, 'passed'), failed: count(outcomes, 'failed'), skipped: count(outcomes, 'skipped'), cases: outcomes };
  writeFileSync(values.json, JSON.stringify(summary, null, 2) + '\n');
}
if (values['write-baseline']) {
  // The ratchet only ever rises: cases that passed before stay listed.
  const passing = new Set([...readBaseline(), ...outcomes.filter((o) => o.status === 'passed').map((o) => o.id)]);
  writeFileSync(BASELINE, JSON.stringify([...passing].sort(), null, 1) + '\n');
  process.stdout.write(`baseline: ${passing.size} cases\n`);
}
process.stdout.write(`(${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
process.stdout.write(`conformance: ${count(outcomes, 'passed')} passed, ${count(outcomes, 'failed')} failed, ${count(outcomes, 'skipped')} skipped\n`);
