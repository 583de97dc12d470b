import { pipeline } from 'node:stream/promises'
import { Command } from 'commander'
import { checkKeyId, checkOneOf, needs, type EncryptionContext } from '@keyward/core'
import type { MessageInfo, SuiteName } from '@keyward/flows/envelope'
import { checkingArgs } from '../cli-error.js'
import { withSession, type CliIo, type GlobalOptions } from '../cli-session.js'
import { checkNotSameFile, inputSource, type InputSource } from '../io/input-source.js'
import { openOutput, type OutputTarget } from '../io/output-target.js'
import { collectPair, encryptionContextOf } from '../option-values.js'
import { progressBar } from '../progress.js'

interface FileOptions {
  keyId?: string
  discovery?: boolean
  in: string
  out: string
  context?: string[]
  suite?: SuiteName
  force?: boolean
}

type Transform = (source: AsyncIterable<Buffer>, onProgress: (n: number) => void) => AsyncIterable<Buffer>

/** Everything checked, and the output opened (refusing an existing file), before any key is touched. */
async function prepare(
  o: FileOptions,
): Promise<{ input: InputSource; output: OutputTarget; context: EncryptionContext | undefined }> {
  const context = checkingArgs(() => encryptionContextOf(o.context))
  const input = inputSource(o.in, '--in')
  checkNotSameFile(input, o.out, '--in and --out')
  return { input, output: await openOutput(o.out, { force: o.force === true, flag: '--out' }), context }
}

/**
 * Streams `input` through `transform` into `output`, which becomes visible only when complete; a progress bar and
 * a summary line on a terminal. On any failure — here or in `run` around it — the output file is discarded.
 */
async function transfer(
  input: InputSource,
  output: OutputTarget,
  io: CliIo,
  verb: [string, string],
  transform: Transform,
): Promise<void> {
  const progress = progressBar(io.err as NodeJS.WritableStream, input.size, verb[0], verb[1])
  try {
    await pipeline(
      input.open(),
      (source: AsyncIterable<Buffer>) => transform(source, (n) => progress.update(n)),
      output.sink,
    )
    await output.commit()
  } catch (e) {
    progress.stop(false)
    throw e
  }
  progress.stop(true)
}

/** Runs `fn`; discards `output` if it throws (also when the session could not even be opened). */
async function discardingOnError(output: OutputTarget, fn: () => Promise<void>): Promise<void> {
  try {
    await fn()
  } catch (e) {
    output.abort()
    throw e
  }
}

function fileCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .requiredOption('--in <file>', 'input file, or - for stdin')
    .requiredOption(
      '--out <file>',
      'output file (appears only when complete), or - for stdout; devices and FIFOs are written in place',
    )
    .option(
      '--context <key=value>',
      'encryption context entry (repeatable); decrypt requires exactly these',
      collectPair,
    )
    .option('--force', 'replace an existing --out file')
}

/**
 * `keyward encrypt`: the envelope format (framed AES-256-GCM or SM4-GCM, data key from the CMK), streamed with
 * constant memory.
 */
export function encryptCommand(globals: () => GlobalOptions, io: CliIo): Command {
  return fileCommand('encrypt', 'Encrypt a file or stream of any size with a data key under a CMK (envelope format)')
    .requiredOption('--key-id <KeyId>', 'the CMK (ENCRYPT_DECRYPT) that protects the data key')
    .option(
      '--suite <suite>',
      'AES_256_GCM_HKDF_SHA256_COMMIT (default) or SM4_GCM_HKDF_SM3_COMMIT (国密; the default under --compliance gm)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  keyward encrypt --key-id <id> --in report.pdf --out report.pdf.kwe --context tenant=acme\n  tar c data/ | keyward encrypt --key-id <id> --in - --out - > data.tar.kwe',
    )
    .action(async (o: FileOptions) => {
      const { EnvelopeClient, ProviderMasterKey, SUITE_NAMES } = await import('@keyward/flows/envelope')
      checkingArgs(() => {
        checkKeyId(o.keyId, '--key-id')
        if (o.suite !== undefined) checkOneOf('--suite', o.suite, SUITE_NAMES)
      })
      const { input, output, context } = await prepare(o)
      await discardingOnError(output, () =>
        withSession(globals(), io, async (session) => {
          const client = new EnvelopeClient({
            keyring: new ProviderMasterKey({ provider: await session.provider(), keyId: o.keyId as string }),
            ...(o.suite ? { suite: o.suite } : {}),
          })
          await transfer(input, output, io, ['encrypt', 'encrypted'], (source, onProgress) =>
            client.encryptStream(source, {
              onProgress,
              ...(input.size !== undefined ? { plaintextLength: input.size } : {}),
              ...(context ? { encryptionContext: context } : {}),
            }),
          )
        }),
      )
    })
}

/**
 * The CMKs `keyward decrypt` may use: exactly `--key-id`, or with `--discovery` any the caller may use — never by
 * default.
 */
function checkKeyChoice(o: FileOptions): void {
  checkingArgs(() => {
    if (o.keyId !== undefined) checkKeyId(o.keyId, '--key-id')
    needs(
      !(o.keyId !== undefined && o.discovery),
      'InvalidParameter',
      '--key-id and --discovery exclude each other: name the CMK you expect, or accept any.',
    )
    needs(
      o.keyId !== undefined || o.discovery === true,
      'MissingParameter',
      'decrypt needs --key-id <KeyId> (the CMK you expect the file to be under) or --discovery (any CMK this account may use; the file names its own).',
    )
  })
}

/**
 * `keyward decrypt`: reads the envelope format, authenticating every frame and the end of the message; a
 * tampered or truncated file fails and leaves no output file (a stream may have received the frames before).
 * Which CMK may open it is explicit — `--key-id`, or `--discovery` as the AWS Encryption SDK CLI has it — and the
 * CMK that did is printed on stderr.
 */
export function decryptCommand(globals: () => GlobalOptions, io: CliIo): Command {
  return fileCommand(
    'decrypt',
    'Decrypt a file or stream made by `keyward encrypt` under the CMK you name (or, with --discovery, any)',
  )
    .option('--key-id <KeyId>', 'accept only a data key under this CMK')
    .option('--discovery', 'accept a data key under any CMK this account may use (the file names its CMK)')
    .addHelpText(
      'after',
      '\nExamples:\n  keyward decrypt --key-id <id> --in report.pdf.kwe --out report.pdf --context tenant=acme\n  keyward decrypt --discovery --in data.tar.kwe --out - | tar x',
    )
    .action(async (o: FileOptions) => {
      checkKeyChoice(o)
      const { input, output, context } = await prepare(o)
      const only = o.keyId
      const { EnvelopeClient, ProviderMasterKey } = await import('@keyward/flows/envelope')
      await discardingOnError(output, () =>
        withSession(globals(), io, async (session) => {
          const client = new EnvelopeClient({
            keyring: new ProviderMasterKey({
              provider: await session.provider(),
              keyId: only ?? 'discovery',
              ...(only === undefined ? { discoveryFilter: () => true } : {}),
            }),
          })
          let info: MessageInfo | undefined
          await transfer(input, output, io, ['decrypt', 'decrypted'], (source, onProgress) =>
            client.decryptStream(source, {
              onProgress,
              onHeader: (i) => (info = i),
              ...(context ? { encryptionContext: context } : {}),
            }),
          )
          if (info && !globals().quiet)
            io.err.write(`decrypted with CMK ${info.decryptedWith.keyId} (${info.decryptedWith.providerName})\n`)
        }),
      )
    })
}
