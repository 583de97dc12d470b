import { createReadStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { Command } from 'commander'
import { checkKeyId, checkOneOf, type EncryptionContext } from '@keyward/core'
import type { SuiteName } from '@keyward/flows/envelope'
import { checkDistinct, inputFileSize, writeAtomically } from '../atomic-output.js'
import { withSession, type CliIo, type GlobalOptions } from '../cli-session.js'
import { collectPair, encryptionContextOf } from '../option-values.js'
import { progressBar } from '../progress.js'

interface FileOptions {
  keyId?: string
  in: string
  out: string
  context?: string[]
  suite?: SuiteName
}

/** Everything checked before any key is touched or any file is opened for writing. */
async function prepare(o: FileOptions, needsKey: boolean): Promise<{ size: number; context: EncryptionContext | undefined }> {
  if (needsKey) checkKeyId(o.keyId, '--key-id')
  checkDistinct(o.in, o.out, '--in and --out')
  const context = encryptionContextOf(o.context)
  return { size: await inputFileSize(o.in, '--in'), context }
}

function fileCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .requiredOption('--in <file>', 'input file')
    .requiredOption('--out <file>', 'output file (written atomically: nothing is left behind on failure)')
    .option('--context <key=value>', 'encryption context entry (repeatable); decrypt requires exactly these', collectPair)
}

/**
 * `keyward encrypt`: the envelope format (framed AES-256-GCM or SM4-GCM, data key from the CMK), streamed with
 * constant memory; progress on a terminal.
 */
export function encryptCommand(globals: () => GlobalOptions, io: CliIo): Command {
  return fileCommand('encrypt', 'Encrypt a file of any size with a data key under a CMK (envelope format)')
    .requiredOption('--key-id <KeyId>', 'the CMK (ENCRYPT_DECRYPT) that protects the data key')
    .option('--suite <suite>', 'AES_256_GCM_HKDF_SHA256_COMMIT (default) or SM4_GCM_HKDF_SM3_COMMIT (国密)')
    .addHelpText('after', '\nExample:\n  keyward encrypt --key-id <id> --in report.pdf --out report.pdf.kwe --context tenant=acme')
    .action(async (o: FileOptions) => {
      const { size, context } = await prepare(o, true)
      const { EnvelopeClient, ProviderMasterKey, SUITE_NAMES } = await import('@keyward/flows/envelope')
      if (o.suite !== undefined) checkOneOf('--suite', o.suite, SUITE_NAMES)
      await withSession(globals(), io, async (session) => {
        const client = new EnvelopeClient({
          keyring: new ProviderMasterKey({ provider: await session.provider(), keyId: o.keyId as string }),
          ...(o.suite ? { suite: o.suite } : {}),
        })
        const progress = progressBar(io.err as NodeJS.WritableStream, size, 'encrypt')
        try {
          await writeAtomically(o.out, (sink) => pipeline(
            createReadStream(o.in),
            (source: AsyncIterable<Buffer>) => client.encryptStream(source, {
              plaintextLength: size, onProgress: (n) => progress.update(n), ...(context ? { encryptionContext: context } : {}),
            }),
            sink,
          ))
        } finally {
          progress.stop()
        }
      })
    })
}

/**
 * `keyward decrypt`: reads the envelope format, authenticating every frame and the end of the message; a
 * tampered or truncated file fails and leaves no output.
 */
export function decryptCommand(globals: () => GlobalOptions, io: CliIo): Command {
  return fileCommand('decrypt', 'Decrypt a file made by `keyward encrypt` (the CMK is named in the file)')
    .option('--key-id <KeyId>', 'accept only data keys under this CMK (default: the CMK the file names)')
    .addHelpText('after', '\nExample:\n  keyward decrypt --in report.pdf.kwe --out report.pdf --context tenant=acme')
    .action(async (o: FileOptions) => {
      if (o.keyId !== undefined) checkKeyId(o.keyId, '--key-id')
      const { size, context } = await prepare(o, false)
      const only = o.keyId
      const { EnvelopeClient, ProviderMasterKey } = await import('@keyward/flows/envelope')
      await withSession(globals(), io, async (session) => {
        // The message names its CMK; without --key-id any key of this KMS that this account may use can open it.
        const client = new EnvelopeClient({
          keyring: new ProviderMasterKey({ provider: await session.provider(), keyId: only ?? 'discovery', discoveryFilter: (k) => only === undefined || k === only }),
        })
        const progress = progressBar(io.err as NodeJS.WritableStream, size, 'decrypt')
        try {
          await writeAtomically(o.out, (sink) => pipeline(
            createReadStream(o.in),
            (source: AsyncIterable<Buffer>) => client.decryptStream(source, {
              onProgress: (n) => progress.update(n), ...(context ? { encryptionContext: context } : {}),
            }),
            sink,
          ))
        } finally {
          progress.stop()
        }
      })
    })
}
