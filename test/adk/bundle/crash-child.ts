// Child process for crash tests: activates (or rolls back) and SIGKILLs itself right after the
// named durable step, as a power cut would stop it.
import { loadTrust, openPolicyStore } from '../../../src/adk/bundle/index.ts';

const [dir, trustPath, op, arg, crashAt] = process.argv.slice(2) as [string, string, string, string, string];
const store = openPolicyStore({
  dir,
  trust: loadTrust([trustPath]),
  onStep: (step) => {
    if (step === crashAt) process.kill(process.pid, 'SIGKILL');
  },
});
if (op === 'activate') await store.activate(arg);
else await store.rollback(arg === '-' ? undefined : arg);
