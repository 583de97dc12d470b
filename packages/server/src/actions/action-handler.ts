import type { Params } from '../protocol/params.js'
import type { RequestContext } from '../request-context.js'

/** The Response fields of an Action, without RequestId (the dispatcher adds it). */
export type ActionResult = Record<string, unknown>

/** Handles one Action: checks its parameters first, then does the work through the provider. */
export type ActionHandler = (ctx: RequestContext, p: Params) => Promise<ActionResult>

/** Actions by Tencent name. */
export type ActionTable = Readonly<Record<string, ActionHandler>>
