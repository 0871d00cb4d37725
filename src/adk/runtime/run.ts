// `autonomy run -- CMD ARGS…`: a runtime on a free loopback port for the life of one child
// process, which finds it through AUTONOMY_RUNTIME_URL and AUTONOMY_RUNTIME_TOKEN.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { AutonomyError } from '../../common/errors.ts';
import { newToken } from './auth.ts';
import { launchRuntime, type LaunchOptions } from './launch.ts';

export type RunOptions = Omit<LaunchOptions, 'token' | 'explicitToken' | 'addr' | 'allowRemote'>;

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Runs the command under a fresh runtime; resolves with the child's exit code (128+n if killed by signal n). */
export async function runCommand(command: readonly string[], o: RunOptions): Promise<number> {
  if (command.length === 0) throw new AutonomyError('bad_usage', 'autonomy run needs a command: autonomy run [options] -- CMD ARGS…');
  const token = newToken();
  const rt = await launchRuntime({ ...o, token, explicitToken: false, addr: '127.0.0.1:0', allowRemote: false });
  if (rt.dev) process.stderr.write('autonomy: DEV MODE: unsigned policy directory; every answer carries dev_mode_unsigned_policy\n');
  let code: number;
  try {
    code = await new Promise<number>((resolve) => {
      const child = spawn(command[0]!, command.slice(1), {
        stdio: 'inherit',
        env: { ...process.env, AUTONOMY_RUNTIME_URL: rt.url, AUTONOMY_RUNTIME_TOKEN: token },
      });
      const forward = (sig: NodeJS.Signals): void => {
        child.kill(sig);
      };
      for (const s of FORWARDED) process.on(s, forward);
      const detach = (): void => {
        for (const s of FORWARDED) process.off(s, forward);
      };
      child.once('error', (e: NodeJS.ErrnoException) => {
        detach();
        // As a shell would: 127 for a command that is not there, 126 for one that cannot run.
        process.stderr.write(`autonomy: ${command[0]}: ${e.code === 'ENOENT' ? 'command not found' : e.message}\n`);
        resolve(e.code === 'ENOENT' ? 127 : 126);
      });
      child.once('exit', (status, signal) => {
        detach();
        resolve(status ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
      });
    });
  } finally {
    // Every decision the child received is already durable; closing seals the run.
    await rt.close();
  }
  return code;
}
