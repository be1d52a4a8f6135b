/** A wrong option or configuration: reported as one line, exit code 2, no stack trace. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** How every command reports a wrong configuration: this one line on stderr, then exit code 2. */
export const configurationErrorLine = (error: ConfigurationError): string => `configuration error: ${error.message}\n`;

/**
 * Listens through `start`, and turns a port the system refuses (taken, or reserved) into the wrong option it is: one
 * line naming the option, exit code 2, like any other configuration error.
 */
export async function listeningOn<T>(option: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new ConfigurationError(`${option} ${port}: cannot listen (${code})`);
    throw error;
  }
}
