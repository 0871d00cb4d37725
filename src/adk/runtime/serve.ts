// `autonomy serve`: a long-running runtime. SIGTERM/SIGINT stop it cleanly (in-flight decisions
// finish, the WAL is sealed); SIGHUP re-reads the policy.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newToken } from './auth.ts';
import { checkToken, readTokenFile } from './config.ts';
import { isActive } from './policy-source.ts';
import { launchRuntime, type LaunchOptions } from './launch.ts';

export interface ServeOptions extends Omit<LaunchOptions, 'token' | 'explicitToken'> {
  tokenFile?: string | undefined;
}

const say = (s: string): boolean => process.stderr.write(`autonomy: ${s}\n`);

/** Runs the server until a stop signal; resolves with the exit code. */
export async function runServe(o: ServeOptions): Promise<number> {
  const { token, explicit, where } = resolveToken(o);
  const rt = await launchRuntime({ ...o, token, explicitToken: explicit });
  // Handlers first: whoever reads "listening on" may signal at once.
  const stopped = new Promise<number>((resolve) => {
    const stop = (sig: NodeJS.Signals): void => {
      say(`${sig}: stopping (finishing in-flight decisions, sealing the WAL)`);
      rt.close().then(
        () => resolve(0),
        (e: unknown) => {
          say(`error while stopping: ${e instanceof Error ? e.message : String(e)}`);
          resolve(3);
        },
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.on('SIGHUP', () => {
      rt.reload().then((st) => say(isActive(st) ? `policy reloaded: revision ${st.revision}` : `policy reload failed, keeping the previous one: ${st.message}`));
    });
  });
  if (rt.dev) say('DEV MODE: serving an unsigned policy directory; every answer carries dev_mode_unsigned_policy');
  say(`bearer token: ${where}`);
  say(`listening on ${rt.url}`);
  return stopped;
}

/** The token from --token-file, AUTONOMY_RUNTIME_TOKEN, or STATE/runtime.token (created if missing). */
function resolveToken(o: ServeOptions): { token: string; explicit: boolean; where: string } {
  if (o.tokenFile !== undefined) return { token: readTokenFile(o.tokenFile), explicit: true, where: o.tokenFile };
  const env = process.env['AUTONOMY_RUNTIME_TOKEN'];
  if (env !== undefined && env !== '') return { token: checkToken(env, 'AUTONOMY_RUNTIME_TOKEN'), explicit: true, where: 'from AUTONOMY_RUNTIME_TOKEN' };
  const file = join(o.state, 'runtime.token');
  if (!existsSync(file)) {
    mkdirSync(o.state, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${newToken()}\n`, { mode: 0o600 });
  }
  return { token: checkToken(readFileSync(file, 'utf8').trim(), file), explicit: false, where: file };
}
