/** A source of time, injectable so that tests can move past deletion windows and token expiry. */
export interface Clock {
  /** Unix milliseconds. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** Unix seconds of a clock. */
export function unixSeconds(clock: Clock = systemClock): number {
  return Math.floor(clock.now() / 1000)
}

/** A clock tests can set and advance. */
export class ManualClock implements Clock {
  constructor(private ms: number = Date.now()) {}
  now(): number {
    return this.ms
  }
  advance(ms: number): void {
    this.ms += ms
  }
  set(ms: number): void {
    this.ms = ms
  }
}
