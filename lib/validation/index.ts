export { validateRequest, validateResponse, mediaTypeOf, isOperationId } from './validate.js';
export type { RequestUnderTest, ResponseUnderTest, HeaderValues } from './validate.js';
export { formatViolations, describeReceived } from './violation.js';
export type { Violation } from './violation.js';
