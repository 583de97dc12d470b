import { checkPendingWindow, checkRotateDays, needs, type KeyAdministration } from '@keyward/core'
import { int, optInt, strList, type Params } from '../protocol/params.js'
import type { RequestContext } from '../request-context.js'
import type { ActionHandler, ActionTable } from './action-handler.js'

type KeyOp = 'enableKey' | 'disableKey' | 'disableKeyRotation' | 'rotateKey' | 'archiveKey' | 'cancelKeyArchive'

/** An Action that takes only a KeyId and returns nothing but RequestId. */
function simple(op: KeyOp): ActionHandler<KeyAdministration> {
  return async (ctx, p) => {
    const owner = await ctx.key(p['KeyId'])
    await ctx.provider[op](owner.keyId)
    return {}
  }
}

/** EnableKeys / DisableKeys: all-or-nothing access check first, then each key. */
function many(op: 'enableKey' | 'disableKey'): ActionHandler<KeyAdministration> {
  return async (ctx, p) => {
    const ids = strList(p, 'KeyIds')
    const owners = []
    for (const id of ids) owners.push(await ctx.key(id))
    for (const o of owners) await ctx.provider[op](o.keyId)
    return {}
  }
}

async function scheduleKeyDeletion(ctx: RequestContext<KeyAdministration>, p: Params) {
  const days = int(p, 'PendingWindowInDays')
  checkPendingWindow(days)
  const owner = await ctx.key(p['KeyId'])
  needs(owner.accountId === ctx.account.accountId, 'UnauthorizedOperation', 'Only the owner of a key can delete it.')
  const { deletionDate } = await ctx.provider.scheduleKeyDeletion(owner.keyId, days)
  await ctx.store.pendingDeletions.schedule(owner.keyId, deletionDate)
  return { DeletionDate: deletionDate, KeyId: owner.keyId }
}

async function cancelKeyDeletion(ctx: RequestContext<KeyAdministration>, p: Params) {
  const owner = await ctx.key(p['KeyId'])
  await ctx.provider.cancelKeyDeletion(owner.keyId)
  await ctx.store.pendingDeletions.cancel(owner.keyId)
  return { KeyId: owner.keyId }
}

async function enableKeyRotation(ctx: RequestContext<KeyAdministration>, p: Params) {
  const days = optInt(p, 'RotateDays')
  checkRotateDays(days)
  const owner = await ctx.key(p['KeyId'])
  await ctx.provider.enableKeyRotation(owner.keyId, days)
  return {}
}

async function getKeyRotationStatus(ctx: RequestContext<KeyAdministration>, p: Params) {
  const owner = await ctx.key(p['KeyId'])
  const s = await ctx.provider.getKeyRotationStatus(owner.keyId)
  // Keyward adds the schedule fields that Tencent shows in DescribeKey; SDK users read KeyRotationEnabled.
  return {
    KeyRotationEnabled: s.keyRotationEnabled,
    RotateDays: s.rotateDays,
    NextRotateTime: s.nextRotateTime,
    LastRotateTime: s.lastRotateTime,
    KeyVersionCount: s.keyVersionCount,
  }
}

/** Enable/Disable(s), deletion, rotation and archive of CMKs. */
export const keyStateActions: ActionTable<KeyAdministration> = {
  EnableKey: simple('enableKey'),
  DisableKey: simple('disableKey'),
  EnableKeys: many('enableKey'),
  DisableKeys: many('disableKey'),
  ScheduleKeyDeletion: scheduleKeyDeletion,
  CancelKeyDeletion: cancelKeyDeletion,
  EnableKeyRotation: enableKeyRotation,
  DisableKeyRotation: simple('disableKeyRotation'),
  GetKeyRotationStatus: getKeyRotationStatus,
  RotateKey: simple('rotateKey'),
  ArchiveKey: simple('archiveKey'),
  CancelKeyArchive: simple('cancelKeyArchive'),
}
