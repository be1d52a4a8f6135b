// Configuration of the Allure 3 HTML report that `npm run certify` generates from reports/allure-results.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const categories = JSON.parse(readFileSync(new URL('./reporters/allure-categories.json', import.meta.url), 'utf8'));

export default {
  name: process.env.CERTIFY_REPORT_NAME ?? 'D1 Click to Pay issuer certification',
  // In the caller's reports directory, never beside this file (inside the package once installed); certify also passes
  // --output, and the history file's absolute path.
  output: path.resolve(process.env.CERTIFY_REPORTS_DIR?.trim() || 'reports', 'allure-report'),
  // The history of earlier reports, a JSON line per report (certify passes the file, reporters/allure-rows.ts): each
  // test and each row of the verdict shows its past results, and the report the trend. The last 20 reports are kept.
  ...(process.env.CERTIFY_HISTORY_FILE ? { historyPath: process.env.CERTIFY_HISTORY_FILE, historyLimit: 20 } : {}),
  categories,
  plugins: {
    awesome: {
      options: {
        reportName: process.env.CERTIFY_REPORT_NAME ?? 'D1 Click to Pay issuer certification',
        // The tree follows the D1 API summary: API group, then API; each test names its rules as stories.
        groupBy: ['epic', 'feature'],
        reportLanguage: 'en',
      },
    },
  },
};
