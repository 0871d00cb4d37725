// `operator add|list|remove|token`: named operators with their own passwords (console login)
// and API tokens (CLI); the admin log records their names. Secrets are printed once, stored hashed.
import { Option, type Command } from 'commander';
import { AutonomyError } from '../../../common/errors.ts';
import { adminClient, clientOptions, out, table, when, type ClientOpts } from './common.ts';

/** The first line of stdin (a password piped in), without its newline. */
async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (line === '') throw new AutonomyError('bad_request', '--password-stdin: stdin is empty');
  return line;
}

/** Registers `operator`. */
export function registerOperator(program: Command): void {
  const op = program.command('operator').description('named operators: console logins (password) and CLI credentials (API token)');
  clientOptions(op.command('add').description('create an operator; prints a generated password once unless --password-stdin').argument('<name>', 'lowercase letters, digits, . _ -'))
    .addOption(new Option('--role <role>', 'admin (everything) or viewer (read only)').choices(['admin', 'viewer']).default('admin'))
    .option('--password-stdin', 'read the password (at least 12 characters) from the first line of stdin')
    .action(async (name: string, o: ClientOpts & { role: string; passwordStdin?: boolean }) => {
      // Without a password the server generates one and answers it once.
      const password = o.passwordStdin ? await readStdinLine() : undefined;
      const res = await (await adminClient(o)).json<{ password?: string }>('POST', '/v1/admin/operators', { name, role: o.role, ...(password !== undefined && { password }) });
      out(`operator ${name} added (${o.role})\n`);
      if (res.password !== undefined) out(`password (shown once, store it now): ${res.password}\n`);
    });
  clientOptions(op.command('list').description('operators (never their secrets)'))
    .option('--json', 'print JSON')
    .action(async (o: ClientOpts & { json?: boolean }) => {
      const list = await (await adminClient(o)).json<{ name: string; role: string; has_token: boolean; created_at: number; last_login: number | null }[]>('GET', '/v1/admin/operators');
      if (o.json) out(`${JSON.stringify(list, null, 2)}\n`);
      else out(table([['NAME', 'ROLE', 'API TOKEN', 'CREATED', 'LAST SIGN-IN'], ...list.map((x) => [x.name, x.role, x.has_token ? 'yes' : 'no', when(x.created_at), when(x.last_login)])]));
    });
  clientOptions(op.command('remove').description('remove an operator, its API token and its console sessions').argument('<name>'))
    .action(async (name: string, o: ClientOpts) => {
      await (await adminClient(o)).json('DELETE', `/v1/admin/operators/${encodeURIComponent(name)}`);
      out(`operator ${name} removed\n`);
    });
  clientOptions(op.command('token').description("issue the operator's API token (replacing any earlier one); printed once").argument('<name>'))
    .action(async (name: string, o: ClientOpts) => {
      const res = await (await adminClient(o)).json<{ token: string }>('POST', `/v1/admin/operators/${encodeURIComponent(name)}/token`);
      out(`${res.token}\n`);
    });
}
