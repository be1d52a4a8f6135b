/**
 * What both mocks' `/__mock/` controls answer alike, each in its own error format: GET /__mock/health 200 with
 * `{"status": "ok", ...}`, POST /__mock/reset 204, a known control under another method 405 with Allow, and a path
 * that is no control 404 with this message.
 */
export const MOCK_CONTROL_NOT_FOUND = 'no mock control at this path';
