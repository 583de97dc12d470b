import { KeywardError, needs, type KeyProviderBase } from '@keyward/core'
import { checkPolicy } from '../policy.js'
import { optStr, str, strList, type Params } from '../protocol/params.js'
import type { RequestContext } from '../request-context.js'
import type { ActionTable } from './action-handler.js'

/** Actions on one key that an owner may grant to another account. */
export const GRANTABLE_ACTIONS = [
  'DescribeKey',
  'DescribeKeys',
  'Encrypt',
  'Decrypt',
  'ReEncrypt',
  'GenerateDataKey',
  'GetPublicKey',
  'AsymmetricRsaDecrypt',
  'AsymmetricSm2Decrypt',
  'SignByAsymmetricKey',
  'VerifyByAsymmetricKey',
  'GetKeyRotationStatus',
  'EnableKey',
  'DisableKey',
  // A grantee's hosted data keys under the owner's CMK: their plaintext comes back only through this grant.
  'GetDataKeyPlaintext',
] as const

async function createGrant(ctx: RequestContext<KeyProviderBase>, p: Params) {
  const granteeName = str(p, 'GranteeAccountName', 64)
  const actions = strList(p, 'Operations', GRANTABLE_ACTIONS.length)
  for (const a of actions)
    needs(
      (GRANTABLE_ACTIONS as readonly string[]).includes(a),
      'InvalidParameterValue',
      `Operations may name only ${GRANTABLE_ACTIONS.join(', ')}.`,
    )
  const owner = await ctx.key(p['KeyId'])
  needs(
    owner.accountId === ctx.account.accountId,
    'UnauthorizedOperation',
    'Only the owner of a key can grant access to it.',
  )
  const grantee = await ctx.store.accounts.byName(granteeName)
  needs(
    grantee && grantee.accountId !== ctx.account.accountId,
    'InvalidParameterValue',
    'GranteeAccountName must name another existing account.',
  )
  const grant = await ctx.store.grants.create({
    keyId: owner.keyId,
    ownerId: ctx.account.accountId,
    granteeId: grantee.accountId,
    actions: [...new Set(actions)],
    createTime: ctx.now(),
  })
  return { GrantId: grant.grantId, KeyId: owner.keyId }
}

async function revokeGrant(ctx: RequestContext<KeyProviderBase>, p: Params) {
  const grantId = str(p, 'GrantId', 64)
  ctx.allow()
  const g = await ctx.store.grants.revoke(grantId, ctx.account.accountId)
  ctx.keyId = g.keyId
  return { GrantId: g.grantId, KeyId: g.keyId }
}

async function listGrants(ctx: RequestContext<KeyProviderBase>, p: Params) {
  const owner = await ctx.key(p['KeyId'])
  needs(
    owner.accountId === ctx.account.accountId,
    'UnauthorizedOperation',
    'Only the owner of a key can list its grants.',
  )
  const grants = await ctx.store.grants.listForKey(owner.keyId, ctx.account.accountId)
  const names = new Map((await ctx.store.accounts.list()).map((a) => [a.accountId, a.name]))
  return {
    Grants: grants.map((g) => ({
      GrantId: g.grantId,
      KeyId: g.keyId,
      GranteeAccountName: names.get(g.granteeId) ?? '',
      Operations: g.actions,
      CreateTime: g.createTime,
    })),
  }
}

function policyParam(p: Params) {
  const raw = str(p, 'Policy', 65_536)
  let policy: unknown
  try {
    policy = JSON.parse(raw)
  } catch (e) {
    throw new KeywardError('InvalidParameterValue', 'Policy must be a JSON policy document.', { cause: e })
  }
  checkPolicy(policy)
  return policy
}

function requireAdmin(ctx: RequestContext<KeyProviderBase>): void {
  if (!ctx.account.isAdmin) throw new KeywardError('UnauthorizedOperation', `${ctx.action} needs an admin account.`)
}

async function createAccount(ctx: RequestContext<KeyProviderBase>, p: Params) {
  const name = str(p, 'AccountName', 64)
  const policy = p['Policy'] === undefined ? undefined : policyParam(p)
  const isAdmin = optStr(p, 'Role', 16) === 'admin'
  requireAdmin(ctx)
  const a = await ctx.store.accounts.create({ name, isAdmin, ...(policy ? { policy } : {}) })
  // The SecretKey is shown this once; the store keeps it sealed under the root key.
  return { AccountId: a.accountId, AccountName: a.name, SecretId: a.secretId, SecretKey: a.secretKey }
}

async function putAccountPolicy(ctx: RequestContext<KeyProviderBase>, p: Params) {
  const name = str(p, 'AccountName', 64)
  const policy = policyParam(p)
  requireAdmin(ctx)
  const a = await ctx.store.accounts.byName(name)
  needs(a, 'InvalidParameterValue', `No account named ${name}.`)
  await ctx.store.accounts.setPolicy(a.accountId, policy)
  return {}
}

async function rotateAccountSecret(ctx: RequestContext<KeyProviderBase>, p: Params) {
  const name = str(p, 'AccountName', 64)
  requireAdmin(ctx)
  const a = await ctx.store.accounts.byName(name)
  needs(a, 'InvalidParameterValue', `No account named ${name}.`)
  const rotated = await ctx.store.accounts.rotateSecret(a.accountId)
  // The new SecretKey is shown this once; the old one stops working (within the 2 s cache on other instances).
  return { AccountName: rotated.name, SecretId: rotated.secretId, SecretKey: rotated.secretKey }
}

/**
 * Keyward extensions (not in Tencent's API; call them with the SDK's generic `client.request(Action, params)`):
 * CreateGrant / RevokeGrant / ListGrants on keys, CreateAccount / PutAccountPolicy / RotateAccountSecret for
 * admins.
 */
export const grantActions: ActionTable<KeyProviderBase> = {
  CreateGrant: createGrant,
  RevokeGrant: revokeGrant,
  ListGrants: listGrants,
  CreateAccount: createAccount,
  PutAccountPolicy: putAccountPolicy,
  RotateAccountSecret: rotateAccountSecret,
}
