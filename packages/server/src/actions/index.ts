import type { ActionTable } from './action-handler.js'
import { asymmetricActions } from './asymmetric-actions.js'
import { cryptoActions } from './crypto-actions.js'
import { dataKeyActions } from './data-key-actions.js'
import { grantActions } from './grant-actions.js'
import { importActions } from './import-actions.js'
import { keyAdminActions } from './key-admin-actions.js'
import { keyStateActions } from './key-state-actions.js'
import { serviceActions } from './service-actions.js'

/** Every Action the server answers, by Tencent name (plus the Keyward extensions in grant-actions.ts). */
export const ACTIONS: ActionTable = Object.freeze({
  ...keyAdminActions,
  ...keyStateActions,
  ...cryptoActions,
  ...asymmetricActions,
  ...importActions,
  ...dataKeyActions,
  ...serviceActions,
  ...grantActions,
})

export type { ActionHandler, ActionResult, ActionTable } from './action-handler.js'
export { GRANTABLE_ACTIONS } from './grant-actions.js'
