// Public entry of signed policy bundles: format, signing, verification and the versioned store.
export { readBundle, readArchive, writeArchive, type BundleFiles, type ReadLimits } from './archive.ts';
export { fileDigest, isStructured, DEFAULT_HASH, type HashAlgorithm } from './hashing.ts';
export { loadTrust, loadSigningKey, defaultKeyId, algorithmsFor, type TrustedKey } from './keys.ts';
export { parseManifest, ORDERINGS, DEFAULT_ENTRYPOINT, type Manifest, type Ordering, type OrderingName } from './manifest.ts';
export { signBundle, listFiles, SIGNATURES_FILE, type SignaturePayload, type SignedFile } from './signing.ts';
export { verifyBundle, type Verified } from './verify.ts';
export { openBundle, openFiles, contentDigest, type OpenedBundle, type OpenOptions } from './open.ts';
export { buildBundle, type BuildOptions, type Built } from './build.ts';
export { runTests, discoverTests, formatReport, summarise, TestStatus, type TestResult } from './tests-runner.ts';
export { ActivationEventType, noActivationLog, type ActivationEvent, type ActivationLog, type VersionRef } from './activation-log.ts';
export {
  openPolicyStore,
  ActivationStep,
  type PolicyStore,
  type PolicyStoreOptions,
  type ActivePolicy,
  type NoPolicy,
  type StoreStatus,
  type Switched,
} from './policy-store.ts';
