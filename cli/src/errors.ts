/** Wrong flags or arguments: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError" as const;
}

/** A failure the user can act on (bad input file, unreachable RPC…): exit code 1. */
export class UserError extends Error {
  override name = "UserError" as const;
}
