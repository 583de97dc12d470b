import { Command, Option } from 'commander'
import {
  IMPORT_MATERIAL_BYTES, KeywardError, SYMMETRIC_KEY_SPECS, WRAPPING_ALGORITHMS, checkAlias, checkDescription, checkKeyId,
  type KeyMetadata, type SymmetricKeySpec, type WrappingAlgorithm,
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
  wrappingAlgorithm: WrappingAlgorithm
  validTo?: string
}

/** Checks the whole command line — including the material file's size — before any key is created. */
async function checkOptions(o: ImportKeyOptions): Promise<number | undefined> {
  if ((o.keyId === undefined) === (o.alias === undefined)) {
    throw new KeywardError('MissingParameter', 'Give either --key-id (an existing EXTERNAL key) or --alias (create one).')
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
      throw new KeywardError('InvalidParameterValue', `--material-file must hold ${IMPORT_MATERIAL_BYTES[o.keySpec]} bytes for ${o.keySpec}; it has ${size}.`)
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
    .addOption(new Option('--key-spec <spec>', 'spec of the new key').choices([...SYMMETRIC_KEY_SPECS]).default('AES_256'))
    .option('--material-file <file>', 'the raw key material (32 bytes for AES_256, 16 for SM4)')
    .option('--random', 'generate the material here (node:crypto) instead; it is never written anywhere')
    .addOption(new Option('--wrapping-algorithm <alg>', 'how the material is wrapped').choices([...WRAPPING_ALGORITHMS]).default('RSAES_OAEP_SHA_256'))
    .option('--valid-to <time>', 'material expiry: Unix seconds or ISO 8601 (default: never)')
    .addHelpText('after', '\nExample:\n  keyward import-key --alias payments-byok --material-file key_material.bin --valid-to 2027-01-01T00:00:00Z')
    .action(async (o: ImportKeyOptions) => {
      const validTo = await checkOptions(o)
      const { ByokImport, FileMaterialSource, RandomMaterialSource } = await import('@keyward/flows/byok')
      const source: KeyMaterialSource = o.materialFile !== undefined ? new FileMaterialSource(o.materialFile) : new RandomMaterialSource()
      const common = { source, wrappingAlgorithm: o.wrappingAlgorithm, ...(validTo !== undefined ? { validTo } : {}) }
      await withSession(globals(), io, async (session) => {
        const byok = new ByokImport(await session.provider())
        const meta = o.keyId !== undefined
          ? await byok.importInto(o.keyId, common)
          : await byok.createAndImport({ alias: o.alias as string, keySpec: o.keySpec, ...(o.description !== undefined ? { description: o.description } : {}), ...common })
        io.out.write(summary(meta))
      })
    })
}
