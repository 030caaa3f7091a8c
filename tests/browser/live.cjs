// Drives the demo page's live mode in headless Debian Chromium with a fake microphone that plays
// AUDIO (a WAV file): clicks Listen, waits for WINDOWS windows over /v1/stream, reads the labels
// shown live, clicks Stop, waits for the final answer and saves a screenshot to SHOT. Prints what
// it saw as JSON. Run by tests/tests/demo_page.rs:
//   NODE_PATH=.cache/tools/browser/node_modules node live.cjs BASE AUDIO SHOT WINDOWS
const { chromium } = require('playwright-core');

(async () => {
  const [base, audio, shot, windows] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${audio}`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1000, height: 1100 } });
    await context.grantPermissions(['microphone'], { origin: base });
    const page = await context.newPage();
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    await page.goto(base + '/');
    await page.click('#listen');
    await page.waitForFunction((n) => Number(document.body.dataset.windows || 0) >= n, Number(windows), { timeout: 60000 });
    const liveLabels = await page.$eval('#live-labels', (e) => e.dataset.labels || '');
    const liveText = await page.textContent('#live-labels');
    const liveStatus = await page.textContent('#live-status');
    await page.click('#stop');
    await page.waitForSelector('body[data-live="done"]', { timeout: 60000 });
    const rows = await page.$$eval('#chart .row', (rs) => rs.map((r) => ({
      label: r.dataset.label,
      present: r.classList.contains('present'),
    })));
    const status = await page.textContent('#status');
    const inked = await page.$eval('#live-heatmap', (c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) n++;
      return n;
    });
    const seen = await page.evaluate(() => Number(document.body.dataset.windows || 0));
    await page.screenshot({ path: shot, fullPage: true });
    console.log(JSON.stringify({ liveLabels, liveText, liveStatus, rows, status, inked, windows: seen, consoleErrors }));
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
