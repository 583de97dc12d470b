import { decryptionFailed, needs } from '@keyward/core'

/** Local sanity bound on a CiphertextBlob: far above any blob a 4096-byte plaintext yields. */
export const MAX_BLOB_CHARS = 16_384

/** Precondition: a request argument is an object (a null or a string is a bad request, not a crash). */
export function checkRequestObject(req: unknown, action: string): asserts req is object {
  needs(req !== null && typeof req === 'object' && !Array.isArray(req), 'MissingParameter', `${action} needs a request object.`)
}

/**
 * Precondition: a CiphertextBlob is a string. Its content is the KMS's to judge, except that an empty or
 * absurdly long one cannot be a blob at all: that is a decryption failure, with the one fixed message,
 * decided without a round trip.
 */
export function checkBlob(blob: unknown, field = 'CiphertextBlob'): asserts blob is string {
  needs(typeof blob === 'string', 'MissingParameter', `${field} is required and must be a string.`)
  if (blob.length === 0 || blob.length > MAX_BLOB_CHARS) throw decryptionFailed(new Error(`${field} has ${blob.length} characters`))
}
