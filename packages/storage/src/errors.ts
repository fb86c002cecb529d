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

/** An image whose header declares a canvas too large to decode safely (see checkImageDimensions). */
export class ImageTooLargeError extends Error {
  override name = 'ImageTooLargeError';
  readonly code = 'image_too_large';
  /** For the applicant: what was sent and what is allowed. */
  readonly detail: string;
  constructor(readonly dimensions: { width: number; height: number }, readonly maxSide: number, readonly maxPixels: number) {
    super(`image of ${dimensions.width}x${dimensions.height} exceeds ${maxSide} px a side or ${maxPixels} pixels`);
    this.detail = `图片为 ${dimensions.width}×${dimensions.height} 像素；每边不得超过 ${maxSide} 像素，总像素不得超过 ${Math.round(maxPixels / 1e6)} 百万`;
  }
}
