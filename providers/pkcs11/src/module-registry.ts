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
}

const entries = new Map<string, Entry>()

/**
 * C_Initialize with CKF_OS_LOCKING_OK: pkcs11js runs the async calls on libuv worker threads, and SoftHSM
 * disables its own locking when initialised without this flag.
 */
function initialize(module: graphene.Module): void {
  module.initialize({ flags: pkcs11.CKF_OS_LOCKING_OK })
}

/** Loads and initialises the module at `path` (or takes another reference to it). */
export function acquireModule(path: string): graphene.Module {
  const entry = entries.get(path)
  if (entry) {
    entry.refs++
    return entry.module
  }
  let module: graphene.Module
  try {
    module = graphene.Module.load(path)
  } catch (e) {
    throw new KeywardError('FailedOperation.ProviderUnavailable', `The PKCS#11 module ${path} cannot be loaded.`, { cause: e })
  }
  try {
    initialize(module)
  } catch (e) {
    try { module.close() } catch { /* already failing; the cause is the initialize error */ }
    throw new KeywardError('FailedOperation.ProviderUnavailable', `The PKCS#11 module ${path} failed to initialise.`, { cause: e })
  }
  entries.set(path, { module, refs: 1 })
  return module
}

/**
 * Initialises the module again after it was finalized behind our back (CKR_CRYPTOKI_NOT_INITIALIZED).
 * CKR_CRYPTOKI_ALREADY_INITIALIZED is fine: another caller got there first.
 */
export function reinitializeModule(path: string): void {
  const entry = entries.get(path)
  if (!entry) throw new KeywardError('FailedOperation.ProviderUnavailable', `The PKCS#11 module ${path} is not loaded.`)
  initialize(entry.module)
}

/** Drops a reference; the last one finalizes and unloads the module. */
export function releaseModule(path: string): void {
  const entry = entries.get(path)
  if (!entry) return
  entry.refs--
  if (entry.refs > 0) return
  entries.delete(path)
  try { entry.module.finalize() } catch { /* already finalized elsewhere: nothing left to release */ }
  try { entry.module.close() } catch { /* the library handle is gone either way */ }
}
