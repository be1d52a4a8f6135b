import fc from 'fast-check';
import { hasForm } from '../../../lib/contracts/notification-form.js';

/**
 * An operationId as D1 gives it: a UUID, like the one in D1's published card notification example (time-based, or
 * random), which also keeps to the anchored pattern D1's operation model publishes.
 */
export const notificationOperationIdArb: fc.Arbitrary<string> = fc.uuid({ version: [1, 4] }).filter((id) => hasForm('operationId', id));
