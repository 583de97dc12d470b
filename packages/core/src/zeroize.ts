/**
 * Overwrite secret bytes with zeros. JavaScript gives no guarantee that no other copy exists (the GC may have
 * moved the buffer, a string may have been made from it), so this narrows the window; it does not close it.
 */
export function zeroize(...buffers: Array<Uint8Array | null | undefined>): void {
  for (const b of buffers) b?.fill(0)
}

/** Runs `fn` with `secret` and zeroes the secret afterwards, even when `fn` throws. */
export async function withZeroized<T>(secret: Uint8Array, fn: (s: Uint8Array) => Promise<T> | T): Promise<T> {
  try {
    return await fn(secret)
  } finally {
    secret.fill(0)
  }
}
