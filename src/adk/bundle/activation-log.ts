// Where activations, refusals and rollbacks are recorded. The store always keeps its own
// history file; an ActivationLog is an additional sink (the audit WAL plugs in here).

/** What happened to the policy store. */
export const ActivationEventType = { activate: 'activate', refuse: 'refuse', rollback: 'rollback', fallback: 'fallback' } as const;
export type ActivationEventType = (typeof ActivationEventType)[keyof typeof ActivationEventType];

/** A version as events name it. */
export interface VersionRef {
  readonly version: string;
  readonly revision: string;
  readonly digest: string;
}

/** One record. `refuse` carries the error code and reason; the others the versions involved. */
export interface ActivationEvent {
  readonly type: ActivationEventType;
  /** ISO 8601 time. */
  readonly at: string;
  /** The version the store switched to (activate, rollback, fallback) or was offered (refuse). */
  readonly revision?: string | undefined;
  readonly digest?: string | undefined;
  readonly version?: string | undefined;
  /** The version active before. */
  readonly from?: VersionRef | undefined;
  readonly keyId?: string | undefined;
  /** The bundle file offered. */
  readonly source?: string | undefined;
  readonly code?: string | undefined;
  readonly reason?: string | undefined;
}

/** A sink for activation events; record must be durable when it returns. */
export interface ActivationLog {
  record(event: ActivationEvent): void | Promise<void>;
}

/** Records nothing. */
export const noActivationLog: ActivationLog = { record: () => undefined };
