/**
 * Errors the object store wrapper throws, each with a stable `code` that the HTTP layer maps to a
 * status (503 for storage_unavailable, 413 for object_too_large, 404, 415) without knowing minio.
 */

export type UnavailableReason = 'circuit_open' | 'timeout' | 'unreachable' | 'server_error' | 'no_bucket' | 'closed';

export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
  readonly code = 'storage_unavailable';
  constructor(
    message: string,
    readonly reason: UnavailableReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class ObjectTooLargeError extends Error {
  override name = 'ObjectTooLargeError';
  readonly code = 'object_too_large';
  constructor(readonly maxBytes: number) {
    super(`object exceeds the limit of ${maxBytes} bytes`);
  }
}

export class ObjectNotFoundError extends Error {
  override name = 'ObjectNotFoundError';
  readonly code = 'object_not_found';
  constructor(readonly key: string) {
    super(`object ${key} does not exist`);
  }
}

export class ContentTypeMismatchError extends Error {
  override name = 'ContentTypeMismatchError';
  readonly code = 'content_type_mismatch';
  constructor(
    readonly declared: string,
    readonly detected: string | null,
    message?: string,
  ) {
    super(message ?? `content declared as ${declared} but looks like ${detected ?? 'an unrecognised binary'}`);
  }
}
