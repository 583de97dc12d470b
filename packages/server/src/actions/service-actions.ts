import { KEY_USAGES, KEY_USAGE_TABLE, type KeyProviderBase } from '@keyward/core'
import type { RequestContext } from '../request-context.js'
import type { ActionTable } from './action-handler.js'

async function listAlgorithms(ctx: RequestContext<KeyProviderBase>) {
  ctx.allow()
  const caps = ctx.provider.capabilities
  const usages = KEY_USAGES.filter((u) => caps.keyUsages.includes(u))
  return {
    SymmetricAlgorithms: usages.includes('ENCRYPT_DECRYPT')
      ? caps.symmetricKeySpecs.map((s) => ({ KeyUsage: 'ENCRYPT_DECRYPT', Algorithm: s }))
      : [],
    AsymmetricAlgorithms: usages
      .filter((u) => KEY_USAGE_TABLE[u].kind === 'asymmetric-decrypt')
      .map((u) => ({ KeyUsage: u, Algorithm: KEY_USAGE_TABLE[u].keySpec })),
    AsymmetricSignVerifyAlgorithms: usages
      .filter((u) => KEY_USAGE_TABLE[u].kind === 'sign-verify')
      .map((u) => ({ KeyUsage: u, Algorithm: KEY_USAGE_TABLE[u].keySpec })),
  }
}

async function getServiceStatus(ctx: RequestContext<KeyProviderBase>) {
  ctx.allow()
  const owned = await ctx.store.owners.listOwned(ctx.account.accountId)
  return {
    ServiceEnabled: true,
    UserLevel: 0,
    CmkUserCount: owned.length,
    IsAllowedDataKeyHosted: true,
    ExclusiveVSMEnabled: false,
    ExclusiveHSMEnabled: false,
  }
}

async function getRegions(ctx: RequestContext<KeyProviderBase>) {
  ctx.allow()
  return { Regions: [...ctx.services.regions] }
}

/** ListAlgorithms, GetServiceStatus, GetRegions. */
export const serviceActions: ActionTable<KeyProviderBase> = {
  ListAlgorithms: listAlgorithms,
  GetServiceStatus: getServiceStatus,
  GetRegions: getRegions,
}
