// Activation events as audit WAL records: activate → policy_activation, rollback and start-up
// fallback → rollback, refuse → activation_failure; each with the revision and digest.
import type { AppendInput, Wal } from '../audit/index.ts';
import type { ActivationEvent, ActivationLog } from './activation-log.ts';

/** An ActivationLog that appends to the WAL and returns once the record is durable. */
export function walActivationLog(wal: Pick<Wal, 'append'>): ActivationLog {
  return {
    async record(e: ActivationEvent): Promise<void> {
      await wal.append(toRecord(e));
    },
  };
}

/** The WAL record for an event. */
export function toRecord(e: ActivationEvent): AppendInput {
  const kind = e.type === 'activate' ? 'policy_activation' : e.type === 'refuse' ? 'activation_failure' : 'rollback';
  const detail: Record<string, unknown> = { event: e.type };
  for (const k of ['version', 'keyId', 'source', 'code', 'reason'] as const) if (e[k] !== undefined) detail[k] = e[k];
  if (e.from) detail['from'] = { ...e.from };
  if (e.type === 'fallback') detail['automatic'] = true;
  return { kind, ...(e.revision !== undefined ? { revision: e.revision } : {}), ...(e.digest !== undefined ? { digest: e.digest } : {}), detail };
}
