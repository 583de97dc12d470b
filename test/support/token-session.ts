/**
 * Direct PKCS#11 access to a test token, beside the provider (a second handle on the same module, as another
 * application would have): to read what the provider made, and to delete a test's objects from a shared token.
 */
import * as graphene from 'graphene-pk11'
import type { TestToken } from './test-token.js'

/**
 * Runs `fn` on a logged-in read-write session of `token`. The module is initialised unless this process has it
 * initialised already, in which case it is left as found. Pass `alongside: true` while a provider of this process
 * has the module open: NSS softokn accepts a second C_Initialize, and the C_Finalize that would follow would end
 * the provider's sessions too.
 */
export function withTokenSession<T>(
  token: Pick<TestToken, 'modulePath' | 'libraryParameters' | 'label' | 'pin'>,
  fn: (session: graphene.Session) => T,
  opts: { alongside?: boolean } = {},
): T {
  const module = graphene.Module.load(token.modulePath)
  let finalize = !opts.alongside
  try {
    module.initialize(token.libraryParameters ? { libraryParameters: token.libraryParameters, flags: 2 } : { flags: 2 })
  } catch (e) {
    if (!/CKR_CRYPTOKI_ALREADY_INITIALIZED/.test(String(e))) throw e
    finalize = false
  }
  try {
    const slots = module.getSlots(true)
    let slot: graphene.Slot | undefined
    for (let i = 0; i < slots.length; i++)
      if (slots.items(i).getToken().label.trim() === token.label) slot = slots.items(i)
    if (!slot) throw new Error(`No token labelled ${token.label} in ${token.modulePath}`)
    const session = slot.open(graphene.SessionFlag.RW_SESSION | graphene.SessionFlag.SERIAL_SESSION)
    try {
      try {
        session.login(token.pin, graphene.UserType.USER)
      } catch (e) {
        if (!/CKR_USER_ALREADY_LOGGED_IN/.test(String(e))) throw e
      }
      return fn(session)
    } finally {
      session.close()
    }
  } finally {
    if (finalize) module.finalize()
  }
}

/** The objects whose CKA_ID starts with `prefix`, as { id, class, keyType } (what a test reads back). */
export function objectsWithIdPrefix(session: graphene.Session, prefix: string): graphene.SessionObject[] {
  const found = session.find({})
  const out: graphene.SessionObject[] = []
  for (let i = 0; i < found.length; i++) {
    const o = found.items(i)
    let id: Buffer | undefined
    try {
      id = o.getAttribute({ id: null }).id as Buffer | undefined
    } catch {
      continue
    }
    if (id && id.toString('latin1').startsWith(prefix)) out.push(o)
  }
  return out
}

/** Destroys every object whose CKA_ID starts with `<keyId>/` for one of `keyIds` (Keyward names them so). */
export function destroyObjectsOf(
  token: Pick<TestToken, 'modulePath' | 'libraryParameters' | 'label' | 'pin'>,
  keyIds: Iterable<string>,
): number {
  const ids = [...keyIds]
  if (ids.length === 0) return 0
  return withTokenSession(token, (session) => {
    let n = 0
    for (const keyId of ids) {
      for (const o of objectsWithIdPrefix(session, `${keyId}/`)) {
        session.destroy(o)
        n++
      }
    }
    return n
  })
}
