/**
 * @hall/storage: S3-compatible object storage (MinIO in deployment, s3rver in tests and the demo)
 * behind a circuit breaker, plus content sniffing for uploaded materials.
 */
export {
  createObjectStore,
  ensureBucketPatiently,
  MAX_OBJECT_BYTES,
  DEFAULT_TIMEOUT_MS,
  type ObjectStore,
  type ObjectStoreConfig,
  type ObjectStat,
  type PutOptions,
  type BreakerState,
} from './store.js';
export {
  StorageUnavailableError,
  ObjectTooLargeError,
  ObjectNotFoundError,
  ContentTypeMismatchError,
  type UnavailableReason,
} from './errors.js';
export { sniffContentType, verifyContentType, sha256Hex, SNIFF_BYTES } from './sniff.js';
