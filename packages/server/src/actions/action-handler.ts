import type { KeyProvider, KeyProviderBase } from '@keyward/core'
import type { Params } from '../protocol/params.js'
import type { RequestContext } from '../request-context.js'

/** The Response fields of an Action, without RequestId (the dispatcher adds it). */
export type ActionResult = Record<string, unknown>

/**
 * Handles one Action: checks its parameters first, then does the work through the provider, seen as the role `P`
 * the handler uses (KeyAdministration, SymmetricCrypto, AsymmetricCrypto, KeyImport, or only the base).
 */
export type ActionHandler<P extends KeyProviderBase = KeyProvider> = (
  ctx: RequestContext<P>,
  p: Params,
) => Promise<ActionResult>

/** Actions by Tencent name, with the provider role their handlers use. */
export type ActionTable<P extends KeyProviderBase = KeyProvider> = Readonly<Record<string, ActionHandler<P>>>
