import { readFile } from 'node:fs/promises'
import { Command, Option } from 'commander'
import { KeywardError, SIGN_ALGORITHMS, checkKeyId, type KeyAdministration, type SignAlgorithm } from '@keyward/core'
import { inputFileSize, writeAtomically } from '../atomic-output.js'
import { withSession, type CliIo, type GlobalOptions } from '../cli-session.js'
import { EXIT_FAILURE, checkingArgs } from '../cli-error.js'

interface SignOptions {
  keyId: string
  in: string
  algorithm?: SignAlgorithm
  signatureOut?: string
  signature?: string
  local?: boolean
}

/** The one algorithm a key usage allows; RSA keys allow two, so they must say which. */
const ALGORITHM_OF_USAGE: Readonly<Record<string, SignAlgorithm>> = {
  ASYMMETRIC_SIGN_VERIFY_SM2: 'SM2DSA',
  ASYMMETRIC_SIGN_VERIFY_ECC: 'ECC_P256_R1',
}

async function algorithmFor(
  provider: Pick<KeyAdministration, 'describeKey'>,
  keyId: string,
  given: SignAlgorithm | undefined,
): Promise<SignAlgorithm> {
  if (given) return given
  const { keyUsage } = await provider.describeKey(keyId)
  const algorithm = ALGORITHM_OF_USAGE[keyUsage]
  if (!algorithm)
    throw new KeywardError(
      'MissingParameter',
      `Key ${keyId} (${keyUsage}) needs --algorithm (${SIGN_ALGORITHMS.join(', ')}).`,
    )
  return algorithm
}

function signatureCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .requiredOption('--key-id <KeyId>', 'the asymmetric signing CMK')
    .requiredOption('--in <file>', 'the message: a file of any size (over 4096 bytes it is digested locally)')
    .addOption(
      new Option('--algorithm <alg>', 'signature algorithm (default: from the key for SM2/ECC)').choices([
        ...SIGN_ALGORITHMS,
      ]),
    )
}

/** `keyward sign`: RAW for ≤ 4096 bytes, else DIGEST computed locally; the signature verifies with openssl. */
export function signCommand(globals: () => GlobalOptions, io: CliIo): Command {
  return signatureCommand('sign', 'Sign a file with an asymmetric CMK (DER for SM2/ECC, PKCS#1/PSS bytes for RSA)')
    .option('--signature-out <file>', 'write the binary signature here, replacing the file (default: base64 on stdout)')
    .addHelpText(
      'after',
      `
Example:
  keyward sign --key-id <id> --algorithm SM2DSA --in contract.pdf --signature-out contract.sig
  openssl pkeyutl -verify -pubin -inkey public_key.pem -rawin -digest sm3 -pkeyopt distid:1234567812345678 \\
    -in contract.pdf -sigfile contract.sig`,
    )
    .action(async (o: SignOptions) => {
      checkingArgs(() => checkKeyId(o.keyId, '--key-id'))
      await inputFileSize(o.in, '--in')
      const { SignatureFlow } = await import('@keyward/flows/signature')
      await withSession(globals(), io, async (session) => {
        const algorithm = await algorithmFor(await session.provider(), o.keyId, o.algorithm)
        const r = await new SignatureFlow(await session.provider()).sign({
          keyId: o.keyId,
          algorithm,
          message: { path: o.in },
        })
        if (o.signatureOut) {
          await writeAtomically(o.signatureOut, async (sink) => void sink.end(r.signature), '--signature-out')
          io.err.write(
            `signed ${o.in} (${r.messageLength} bytes, ${r.messageType}, ${algorithm}) -> ${o.signatureOut}\n`,
          )
        } else {
          io.out.write(`${Buffer.from(r.signature).toString('base64')}\n`)
        }
      })
    })
}

/** `keyward verify`: exit 0 and `valid`, or exit 1 and `invalid`. */
export function verifyCommand(globals: () => GlobalOptions, io: CliIo, setExit: (code: number) => void): Command {
  return signatureCommand(
    'verify',
    "Verify a file's signature with an asymmetric CMK (in the KMS, or --local with its public key)",
  )
    .requiredOption('--signature <file>', 'the binary signature (as `keyward sign --signature-out` / openssl write it)')
    .option('--local', 'verify with the public key here instead of VerifyByAsymmetricKey')
    .action(async (o: SignOptions) => {
      checkingArgs(() => checkKeyId(o.keyId, '--key-id'))
      await inputFileSize(o.in, '--in')
      await inputFileSize(o.signature as string, '--signature')
      const signature = await readFile(o.signature as string)
      const { SignatureFlow } = await import('@keyward/flows/signature')
      await withSession(globals(), io, async (session) => {
        const algorithm = await algorithmFor(await session.provider(), o.keyId, o.algorithm)
        const valid = await new SignatureFlow(await session.provider()).verify({
          keyId: o.keyId,
          algorithm,
          message: { path: o.in },
          signature,
          local: o.local === true,
        })
        if (valid) {
          io.out.write('valid\n')
        } else {
          io.err.write(`invalid: the signature does not match ${o.in} under ${o.keyId} (${algorithm})\n`)
          setExit(EXIT_FAILURE)
        }
      })
    })
}
