import { apis } from '../../gen/catalogue.js';
import { ConfigurationError } from './errors.js';

/** The conditional rows of the D1 API summary: the APIs an issuer may declare not applicable. */
export const CONDITIONAL_APIS: readonly string[] = apis.filter((api) => api.category === 'conditional').map((api) => api.id);

/**
 * The conditional APIs the issuer declares applicable, as CERTIFY_CONDITIONAL_APIS names them: `all` (the default, also
 * when unset or empty), `none`, or a comma-separated list of conditional row ids. An id that is not one is refused,
 * by `certify` and `observe` alike, rather than silently left out of the verdict.
 */
export function conditionalApis(value: string | undefined, name = 'CERTIFY_CONDITIONAL_APIS'): ReadonlySet<string> {
  const text = value?.trim() ?? 'all';
  if (text === '' || text === 'all') return new Set(CONDITIONAL_APIS);
  if (text === 'none') return new Set();
  const named = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = named.filter((id) => !CONDITIONAL_APIS.includes(id));
  if (unknown.length > 0)
    throw new ConfigurationError(
      `${name} names ${unknown.join(', ')}, which is not a conditional API; use all, none, or some of ${CONDITIONAL_APIS.join(', ')}`,
    );
  return new Set(named);
}
