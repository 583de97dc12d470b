import * as graphene from 'graphene-pk11'
import pkcs11 from 'pkcs11js'
import { KeywardError } from '@keyward/core'

/**
 * One loaded PKCS#11 module per path per process, reference counted. A module is a process-wide resource:
 * C_Finalize by one provider would end every session of every other provider over the same library, so only
 * the last release finalizes it.
 */
interface Entry {
  module: graphene.Module
  refs: number
  /** The C_Initialize library parameters it was loaded with: one module, one configuration per process. */
  libraryParameters: string | undefined
}

const entries = new Map<string, Entry>()

/**
 * C_Initialize with CKF_OS_LOCKING_OK: pkcs11js runs the async calls on libuv worker threads, and SoftHSM
 * disables its own locking when initialised without this flag. `libraryParameters` (NSS softokn's init string)
 * travel in the NSS-extended CK_C_INITIALIZE_ARGS, in the slot standard modules call pReserved: only modules
 * that expect them accept them (others answer CKR_ARGUMENTS_BAD, as they should).
 */
function initialize(module: graphene.Module, libraryParameters: string | undefined): void {
  module.initialize({
    flags: pkcs11.CKF_OS_LOCKING_OK,
    ...(libraryParameters !== undefined ? { libraryParameters } : {}),
  })
}

/**
 * Loads and initialises the module at `path` (or takes another reference to it). A module is initialised once
 * per process, so a second provider asking for the same module with other library parameters is refused rather
 * than silently given the first configuration (say, another NSS database).
 */
export function acquireModule(path: string, libraryParameters?: string): graphene.Module {
  const entry = entries.get(path)
  if (entry) {
    if (entry.libraryParameters !== libraryParameters) {
      throw new KeywardError(
        'FailedOperation.ProviderUnavailable',
        `The PKCS#11 module ${path} is already loaded in this process with other libraryParameters; a module has one configuration per process.`,
      )
    }
    entry.refs++
    return entry.module
  }
  let module: graphene.Module
  try {
    module = graphene.Module.load(path)
  } catch (e) {
    throw new KeywardError('FailedOperation.ProviderUnavailable', `The PKCS#11 module ${path} cannot be loaded.`, {
      cause: e,
    })
  }
  try {
    initialize(module, libraryParameters)
  } catch (e) {
    try {
      module.close()
    } catch {
      /* already failing; the cause is the initialize error */
    }
    const hint = /CKR_ARGUMENTS_BAD/.test(String(e))
      ? libraryParameters === undefined
        ? " (CKR_ARGUMENTS_BAD: this module may need libraryParameters, e.g. NSS softokn's \"configdir='sql:DIR' ...\")"
        : ' (CKR_ARGUMENTS_BAD: this module does not take libraryParameters, or rejects these)'
      : ''
    throw new KeywardError(
      'FailedOperation.ProviderUnavailable',
      `The PKCS#11 module ${path} failed to initialise${hint}.`,
      { cause: e },
    )
  }
  entries.set(path, { module, refs: 1, libraryParameters })
  return module
}

/**
 * Initialises the module again after it was finalized behind our back (CKR_CRYPTOKI_NOT_INITIALIZED).
 * CKR_CRYPTOKI_ALREADY_INITIALIZED is fine: another caller got there first.
 */
export function reinitializeModule(path: string): void {
  const entry = entries.get(path)
  if (!entry) throw new KeywardError('FailedOperation.ProviderUnavailable', `The PKCS#11 module ${path} is not loaded.`)
  initialize(entry.module, entry.libraryParameters)
}

/** Drops a reference; the last one finalizes and unloads the module. */
export function releaseModule(path: string): void {
  const entry = entries.get(path)
  if (!entry) return
  entry.refs--
  if (entry.refs > 0) return
  entries.delete(path)
  try {
    entry.module.finalize()
  } catch {
    /* already finalized elsewhere: nothing left to release */
  }
  try {
    entry.module.close()
  } catch {
    /* the library handle is gone either way */
  }
}
