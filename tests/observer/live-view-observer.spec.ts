/**
 * The live view of a running observer, in headless Chromium: a bank drives the certification plan through the
 * observer while the page is open, and the page shows the plan completing, each call as it arrives, and a failure
 * planted among the calls as it happens.
 */
import { generateKeyPairSync } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { ReferenceClient } from '../../mocks/issuer/reference-client.js';
import { startObserver } from '../../observer/index.js';
import { ISSUER_ID, KEY_ID, clientFor } from './observer-fixtures.js';

test.use({ launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' } });

test('the live page shows the plan completing and a planted failure as it happens', async ({ page }) => {
  test.setTimeout(90_000);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const observer = await startObserver({
    issuerId: ISSUER_ID,
    keys: [{ kid: KEY_ID, publicKey }],
    limits: { followUpGraceSeconds: 0 },
    mock: { operationDelayMs: 10 },
  });
  try {
    await page.goto(observer.liveViewUrl);
    const steps = page.getByTestId('plan-step');
    await expect(steps.first()).toHaveAttribute('data-covered', 'false');
    const stepCount = await steps.count();
    expect(stepCount).toBeGreaterThan(5);

    const bank = new ReferenceClient(clientFor(observer, privateKey));
    const consumerId = await bank.registerConsumer();
    await expect(page.locator('[data-testid="plan-step"][data-api="consumer-register"]')).toHaveAttribute('data-covered', 'true');
    await expect(page.getByTestId('failure')).toHaveCount(0);

    // The planted failure: an enrol whose cardId breaks the documented pattern. It shows before anything else is sent.
    await bank.call('clickToPayEnrol', { path: { cardId: 'crd.1!' }, body: { name: 'Ada Byron' } });
    const failure = page.locator('[data-testid="failure"][data-rule="CTP-ENROL-CARDID-PATTERN"]');
    await expect(failure).toBeVisible();
    await expect(failure).toContainText('fails go-live');
    await expect(page.locator('[data-testid="call-row"][data-verdict="departing"]')).toHaveCount(1);

    expect((await bank.runPlan(observer.mockD1?.cardDataJwk ?? {})).refused).toEqual([]);
    await expect(page.locator('[data-testid="plan-step"][data-covered="true"]')).toHaveCount(stepCount);
    await expect(page.getByTestId('calls-count')).toHaveText(String(observer.observedCalls()));
    expect(consumerId).not.toBe('');
    await observer.stop();
    await expect(page.getByTestId('ended-banner')).toBeVisible();
  } finally {
    await observer.stop();
  }
});
