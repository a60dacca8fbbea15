// Debian's chromium through playwright-core, as the browser tests and the soak run it: where it is, the
// check that skips (or fails) loudly without it, and one launch with the flags they all need.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import type { ServiceCheck } from '../../testing/services.js';

export const CHROMIUM = '/usr/bin/chromium';

export const chromiumCheck: ServiceCheck = {
  what: `Debian's chromium at ${CHROMIUM}`,
  howToStart: 'apt-get install -y chromium',
  probe: async () => existsSync(CHROMIUM),
};

/**
 * Headless, with no sandbox (the tests run as root), no GPU, and none of chromium's own network traffic
 * (component updates, first-run pages), so a page's requests are the page's own. A fresh profile: each
 * context the caller opens starts empty.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}
