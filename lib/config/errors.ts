/** A wrong option or configuration: reported as one line, exit code 2, no stack trace. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** How every command reports a wrong configuration: this one line on stderr, then exit code 2. */
export const configurationErrorLine = (error: ConfigurationError): string => `configuration error: ${error.message}\n`;
