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
  ImageTooLargeError,
  type UnavailableReason,
} from './errors.js';
export { sniffContentType, verifyContentType, sha256Hex, SNIFF_BYTES, imageDimensions, checkImageDimensions, MAX_IMAGE_SIDE, MAX_IMAGE_PIXELS, type ImageDimensions } from './sniff.js';
