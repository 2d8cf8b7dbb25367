/** How `metaqueue` exits; docs/cli.md lists the same. */
export const exitCodes = {
  /** Done; `buffer verify` found no damage. */
  ok: 0,
  /** `buffer verify` found damage in the log. */
  damage: 1,
  /** The command line is wrong: an unknown command or option, a bad value, a path that is no store or buffer. */
  usage: 2,
  /** What was asked for cannot be read now: a store another process holds, a server or database that does not answer. */
  unavailable: 3,
  /** Anything else: a fault in metaqueue, reported with its stack. */
  failure: 4,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** A failure the CLI expected: its message is for the user, and it says how to exit. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
