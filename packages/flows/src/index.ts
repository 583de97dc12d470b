/** @packageDocumentation Placeholder until this package lands. */
export {}
