/** @packageDocumentation Placeholder until this flow lands. */
export {}
