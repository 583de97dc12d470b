import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { link, open, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Duplex } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { KeywardError, checkString } from '@keyward/core'
import type { MessageInfo } from './decrypt-message.js'
import type { EnvelopeClient } from './envelope-client.js'
import type { DecryptOptions, EncryptOptions } from './envelope-options.js'

/** Options of the file helpers. */
export interface FileOptions {
  /** Replace an existing output file (atomically). Default false: fail if it exists. */
  overwrite?: boolean
}

/** What a file helper did. */
export interface FileResult {
  /** Plaintext bytes processed. */
  readonly plaintextBytes: number
  /** Bytes written to the output file. */
  readonly bytesWritten: number
}

function ioError(e: unknown, what: string): KeywardError {
  if (e instanceof KeywardError) return e
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  return new KeywardError(
    code === 'EEXIST' ? 'InvalidParameterValue' : 'InvalidParameter',
    `${what}: ${code ?? String(e)}`,
    { cause: e },
  )
}

/**
 * Streams `input` through `transform` into a temp file next to `output` (mode 0600), fsyncs it, then renames
 * it into place (or links it, to refuse clobbering). On any failure the temp file is removed, so `output`
 * either is complete or untouched.
 */
async function atomicWrite(
  input: string,
  output: string,
  transform: Duplex,
  opts: FileOptions,
  signal?: AbortSignal,
): Promise<number> {
  checkString('input', input, 4096)
  checkString('output', output, 4096)
  const tmp = join(dirname(output), `.${basename(output)}.${randomBytes(6).toString('hex')}.kwtmp`)
  let written = 0
  try {
    const count = async function* (src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
      for await (const c of src) {
        written += c.length
        yield c
      }
    }
    await pipeline(
      createReadStream(input),
      transform,
      count,
      createWriteStream(tmp, { flags: 'wx', mode: 0o600 }),
      signal ? { signal } : {},
    )
    // Durable before it becomes visible under the output name.
    const fh = await open(tmp, 'r')
    await fh.sync().finally(() => fh.close())
    if (opts.overwrite) await rename(tmp, output)
    else {
      await link(tmp, output).catch((e: unknown) => {
        throw ioError(e, `${output} exists (pass overwrite: true to replace it)`)
      })
      await unlink(tmp)
    }
    return written
  } catch (e) {
    await unlink(tmp).catch(() => undefined)
    throw e instanceof KeywardError || (e as Error)?.name === 'AbortError' ? e : ioError(e, `cannot process ${input}`)
  }
}

/**
 * Encrypts the file `input` into `output` as one envelope message, atomically (see {@link FileOptions}).
 *
 * @example
 * ```ts
 * await encryptFile(client, 'statement.pdf', 'statement.pdf.kwe', { onProgress: (n) => bar.update(n) })
 * ```
 */
export async function encryptFile(
  client: EnvelopeClient,
  input: string,
  output: string,
  opts: EncryptOptions & FileOptions = {},
): Promise<FileResult> {
  const size = (
    await stat(input).catch((e: unknown) => {
      throw ioError(e, `cannot read ${input}`)
    })
  ).size
  const enc = client.createEncryptStream({ ...opts, plaintextLength: opts.plaintextLength ?? size })
  const bytesWritten = await atomicWrite(input, output, enc, opts, opts.signal)
  return { plaintextBytes: size, bytesWritten }
}

/**
 * Decrypts the envelope message in `input` into `output`. Plaintext reaches only the temp file (mode 0600)
 * until the whole message has authenticated; a tampered or truncated input leaves no output.
 */
export async function decryptFile(
  client: EnvelopeClient,
  input: string,
  output: string,
  opts: DecryptOptions & FileOptions = {},
): Promise<FileResult & { info: MessageInfo }> {
  let info: MessageInfo | undefined
  const dec = client.createDecryptStream({
    ...opts,
    onHeader: (i) => {
      info = i
      opts.onHeader?.(i)
    },
  })
  const bytesWritten = await atomicWrite(input, output, dec, opts, opts.signal)
  return { plaintextBytes: bytesWritten, bytesWritten, info: info as MessageInfo }
}
