import { Command, Option } from 'commander'
import {
  IMPORT_MATERIAL_BYTES,
  KeywardError,
  SYMMETRIC_KEY_SPECS,
  WRAPPING_ALGORITHMS,
  checkAlias,
  checkDescription,
  checkKeyId,
  isKeywardError,
  type KeyImport,
  type KeyMetadata,
  type SymmetricKeySpec,
  type WrappingAlgorithm,
} from '@keyward/core'
import type { KeyMaterialSource } from '@keyward/flows/byok'
import { inputFileSize } from '../atomic-output.js'
import { withSession, type CliIo, type GlobalOptions } from '../cli-session.js'
import { validToOf } from '../option-values.js'

interface ImportKeyOptions {
  keyId?: string
  alias?: string
  description?: string
  keySpec: SymmetricKeySpec
  materialFile?: string
  random?: boolean
  wrappingAlgorithm?: WrappingAlgorithm
  validTo?: string
}

/**
 * Without --wrapping-algorithm: Tencent's recommendation first, then what HSMs commonly unwrap with. SoftHSM,
 * NSS and openCryptoki have no OAEP-SHA-256 unwrap, so a fixed OAEP-SHA-256 default failed on every PKCS#11 token.
 */
const WRAPPING_PREFERENCE: readonly WrappingAlgorithm[] = ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1', 'RSAES_PKCS1_V1_5']

/**
 * The first algorithm of {@link WRAPPING_PREFERENCE} the target accepts for `keyId`, found by asking it
 * (GetParametersForImport): the KMS behind the CLI, embedded or remote, is the only one that knows. A refusal is
 * UnsupportedOperation; anything else (a missing key, a dead HSM) is the answer.
 */
async function acceptedWrapping(
  provider: Pick<KeyImport, 'getParametersForImport'>,
  keyId: string,
): Promise<WrappingAlgorithm> {
  for (const wrappingAlgorithm of WRAPPING_PREFERENCE) {
    try {
      await provider.getParametersForImport({ keyId, wrappingAlgorithm, wrappingKeySpec: 'RSA_2048' })
      return wrappingAlgorithm
    } catch (e) {
      if (!isKeywardError(e, 'UnsupportedOperation')) throw e
    }
  }
  throw new KeywardError(
    'UnsupportedOperation',
    `The KMS accepts none of ${WRAPPING_PREFERENCE.join(', ')} for key ${keyId}.`,
  )
}

/** Checks the whole command line — including the material file's size — before any key is created. */
async function checkOptions(o: ImportKeyOptions): Promise<number | undefined> {
  if ((o.keyId === undefined) === (o.alias === undefined)) {
    throw new KeywardError(
      'MissingParameter',
      'Give either --key-id (an existing EXTERNAL key) or --alias (create one).',
    )
  }
  if (o.keyId !== undefined) checkKeyId(o.keyId, '--key-id')
  else checkAlias(o.alias)
  if (o.description !== undefined) checkDescription(o.description)
  if ((o.materialFile === undefined) === (o.random !== true)) {
    throw new KeywardError('MissingParameter', 'Give either --material-file <file> or --random.')
  }
  if (o.materialFile !== undefined) {
    const size = await inputFileSize(o.materialFile, '--material-file')
    // A new key's spec is known: refuse wrong material now rather than leave a key in PendingImport.
    if (o.alias !== undefined && size !== IMPORT_MATERIAL_BYTES[o.keySpec]) {
      throw new KeywardError(
        'InvalidParameterValue',
        `--material-file must hold ${IMPORT_MATERIAL_BYTES[o.keySpec]} bytes for ${o.keySpec}; it has ${size}.`,
      )
    }
  }
  return validToOf(o.validTo, Math.floor(Date.now() / 1000))
}

function summary(m: KeyMetadata): string {
  return `${JSON.stringify({ KeyId: m.keyId, Alias: m.alias, KeySpec: m.keySpec, Origin: m.origin, KeyState: m.keyState, ValidTo: m.validTo }, null, 2)}\n`
}

/**
 * `keyward import-key`: the whole BYOK flow — CreateKey Type 2 (or an existing EXTERNAL key) →
 * GetParametersForImport → wrap the material here → ImportKeyMaterial (optional ValidTo).
 */
export function importKeyCommand(globals: () => GlobalOptions, io: CliIo): Command {
  return new Command('import-key')
    .description('Import your own key material (BYOK) into a new or an existing EXTERNAL key')
    .option('--key-id <KeyId>', 'an existing EXTERNAL key (PendingImport, or re-import of the same material)')
    .option('--alias <alias>', 'create a new EXTERNAL key with this alias')
    .option('--description <text>', 'description of the new key')
    .addOption(
      new Option('--key-spec <spec>', 'spec of the new key').choices([...SYMMETRIC_KEY_SPECS]).default('AES_256'),
    )
    .option('--material-file <file>', 'the raw key material (32 bytes for AES_256, 16 for SM4)')
    .option('--random', 'generate the material here (node:crypto) instead; it is never written anywhere')
    .addOption(
      new Option(
        '--wrapping-algorithm <alg>',
        'how the material is wrapped (default: the first of RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1, RSAES_PKCS1_V1_5 the KMS accepts)',
      ).choices([...WRAPPING_ALGORITHMS]),
    )
    .option('--valid-to <time>', 'material expiry: Unix seconds or ISO 8601 (default: never)')
    .addHelpText(
      'after',
      '\nExample:\n  keyward import-key --alias payments-byok --material-file key_material.bin --valid-to 2027-01-01T00:00:00Z',
    )
    .action(async (o: ImportKeyOptions) => {
      const validTo = await checkOptions(o)
      const { ByokImport, FileMaterialSource, RandomMaterialSource } = await import('@keyward/flows/byok')
      const source: KeyMaterialSource =
        o.materialFile !== undefined ? new FileMaterialSource(o.materialFile) : new RandomMaterialSource()
      await withSession(globals(), io, async (session) => {
        const provider = await session.provider()
        const byok = new ByokImport(provider)
        const options = (wrappingAlgorithm: WrappingAlgorithm) => ({
          source,
          wrappingAlgorithm,
          ...(validTo !== undefined ? { validTo } : {}),
        })
        const description = o.description !== undefined ? { description: o.description } : {}
        let meta: KeyMetadata
        if (o.wrappingAlgorithm !== undefined) {
          meta =
            o.keyId !== undefined
              ? await byok.importInto(o.keyId, options(o.wrappingAlgorithm))
              : await byok.createAndImport({
                  alias: o.alias as string,
                  keySpec: o.keySpec,
                  ...description,
                  ...options(o.wrappingAlgorithm),
                })
        } else {
          // The algorithm is found on the key itself, so a new key is created first (as createAndImport would).
          const keyId =
            o.keyId ??
            (await provider.createKey({ alias: o.alias as string, type: 2, keySpec: o.keySpec, ...description })).keyId
          meta = await byok.importInto(keyId, options(await acceptedWrapping(provider, keyId)))
        }
        io.out.write(summary(meta))
      })
    })
}
