import * as graphene from 'graphene-pk11'
import { KeywardError, type SecretString } from '@keyward/core'
import { acquireModule, reinitializeModule, releaseModule } from './module-registry.js'
import { ckrOf, isLoginFailure, toKeywardError } from './pkcs11-errors.js'
import { readTokenFacts, type TokenFacts } from './token-facts.js'

/** How to reach one token. */
export interface TokenAddress {
  modulePath: string
  libraryParameters: string | undefined
  tokenLabel: string | undefined
  slotIndex: number | undefined
  pin: SecretString
}

/**
 * The module, the token's slot and the login state. Login is per token (PKCS#11 logs every session of the
 * application in at once), so it happens once; CKR_USER_ALREADY_LOGGED_IN counts as success. A rejected PIN is
 * latched: later calls fail with the same LoginFailed without calling C_Login again, because each retry with a
 * wrong PIN brings a real HSM closer to locking the token.
 */
export class TokenConnection {
  readonly #address: TokenAddress
  #module: graphene.Module | undefined
  #slot: graphene.Slot | undefined
  #loggedIn = false
  #loginError: KeywardError | undefined
  #facts: TokenFacts | undefined
  /** C_Login calls made (diagnostics; the fault tests assert on it). */
  loginAttempts = 0

  constructor(address: TokenAddress) {
    this.#address = address
  }

  /** Loads the module and finds the token; ProviderUnavailable with the reason when either is missing. */
  connect(): void {
    if (this.#slot) return
    this.#module = acquireModule(this.#address.modulePath, this.#address.libraryParameters)
    try {
      this.#slot = this.#findSlot(this.#module)
    } catch (e) {
      releaseModule(this.#address.modulePath)
      this.#module = undefined
      throw e
    }
  }

  #findSlot(module: graphene.Module): graphene.Slot {
    const { tokenLabel, slotIndex, modulePath } = this.#address
    const slots = module.getSlots(true)
    const labels: string[] = []
    for (let i = 0; i < slots.length; i++) {
      const slot = slots.items(i)
      const label = slot.getToken().label.trim()
      labels.push(label)
      if (tokenLabel !== undefined ? label === tokenLabel : i === slotIndex) return slot
    }
    const wanted =
      tokenLabel !== undefined ? `labelled ${JSON.stringify(tokenLabel)}` : `at slot index ${String(slotIndex)}`
    throw new KeywardError(
      'FailedOperation.ProviderUnavailable',
      `No token ${wanted} in ${modulePath} (tokens present: ${labels.map((l) => JSON.stringify(l)).join(', ') || 'none'}).`,
    )
  }

  /**
   * What the token says about itself (library, token info, mechanisms, optional functions), read once per
   * connection without a session or a login.
   */
  facts(): TokenFacts {
    this.connect()
    if (!this.#facts) {
      try {
        this.#facts = readTokenFacts(this.#module as graphene.Module, this.#slot as graphene.Slot)
      } catch (e) {
        throw toKeywardError(e, "Reading the token's mechanisms")
      }
    }
    return this.#facts
  }

  /** A read-only session that is not logged in (what needs no PIN: C_GenerateRandom on most tokens). Close it. */
  publicSession(): graphene.Session {
    this.connect()
    try {
      return (this.#slot as graphene.Slot).open(graphene.SessionFlag.SERIAL_SESSION)
    } catch (e) {
      throw toKeywardError(e, 'Opening a PKCS#11 session')
    }
  }

  /** Opens a read-write session, logged in. */
  openSession(): graphene.Session {
    this.connect()
    let session: graphene.Session
    try {
      session = (this.#slot as graphene.Slot).open(
        graphene.SessionFlag.RW_SESSION | graphene.SessionFlag.SERIAL_SESSION,
      )
    } catch (e) {
      throw toKeywardError(e, 'Opening a PKCS#11 session')
    }
    try {
      this.#login(session)
    } catch (e) {
      try {
        session.close()
      } catch {
        /* the login error is what matters */
      }
      throw e
    }
    return session
  }

  #login(session: graphene.Session): void {
    if (this.#loginError) throw this.#loginError
    if (this.#loggedIn) return
    this.loginAttempts++
    try {
      session.login(this.#address.pin.reveal(), graphene.UserType.USER)
    } catch (e) {
      if (ckrOf(e) !== 'CKR_USER_ALREADY_LOGGED_IN') {
        const err = toKeywardError(e, 'Login')
        if (isLoginFailure(e)) this.#loginError = err
        throw err
      }
    }
    this.#loggedIn = true
  }

  /** After a lost session: forget the login, re-initialise the module when it was finalized, find the slot again. */
  recover(cause: unknown): void {
    this.#loggedIn = false
    if (ckrOf(cause) === 'CKR_CRYPTOKI_NOT_INITIALIZED' && this.#module) {
      try {
        reinitializeModule(this.#address.modulePath)
      } catch (e) {
        throw new KeywardError(
          'FailedOperation.ProviderUnavailable',
          `The PKCS#11 module ${this.#address.modulePath} could not be re-initialised.`,
          { cause: e },
        )
      }
    }
    if (this.#module) this.#slot = this.#findSlot(this.#module)
  }

  /** Releases the module reference. Sessions must be closed first (the pool does that). */
  close(): void {
    if (!this.#module) return
    this.#slot = undefined
    this.#facts = undefined
    this.#module = undefined
    this.#loggedIn = false
    releaseModule(this.#address.modulePath)
  }
}
