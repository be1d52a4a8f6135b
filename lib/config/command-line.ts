import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigurationError, configurationErrorLine } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a command line. Anything wrong (an unknown flag, a missing value) becomes a ConfigurationError, which
 * `runCli` prints as one line before exiting with code 2.
 */
export function parseCommandLine<T extends Options>(
  argv: readonly string[],
  options: T,
): ReturnType<typeof parseArgs<{ options: T; args: string[]; strict: true; allowPositionals: false }>>['values'] {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigurationError(error instanceof Error ? error.message : String(error));
  }
}

/** Runs a command's main function: a ConfigurationError is one line on stderr and exit code 2. */
export function runCli(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigurationError) {
      process.stderr.write(configurationErrorLine(error));
      process.exit(2);
    }
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
