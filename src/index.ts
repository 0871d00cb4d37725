// The package's public entry: the TypeScript SDK.
export { createClient, governed, PermissionDeniedError, ClientReason, type Client, type ClientOptions, type Decision } from './sdk/client.ts';
