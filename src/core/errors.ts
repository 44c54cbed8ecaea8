/**
 * The one base of every failure a user can act on: Cronicorn's refusals, the network, a sign-in that
 * did not happen, a store that cannot be written, bad input or configuration. Its message is the
 * answer a tool gives. Anything thrown that is not an ExpectedError is a bug in this server: the tool
 * answers without internals and the stack goes to stderr (src/tools/define.ts).
 */
export class ExpectedError extends Error {}
