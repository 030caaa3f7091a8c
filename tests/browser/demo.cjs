// Drives the demo page at BASE/ in headless Debian Chromium: uploads AUDIO through the file
// picker, waits for the chart and the heat map, saves a screenshot to SHOT, then uploads a text
// file and reads the error shown. Prints what it saw as JSON. Run by tests/tests/demo_page.rs:
//   NODE_PATH=.cache/tools/browser/node_modules node demo.cjs BASE AUDIO SHOT
const { chromium } = require('playwright-core');

(async () => {
  const [base, audio, shot] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1000 } });
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    await page.goto(base + '/');
    await page.setInputFiles('#file', audio);
    await page.waitForSelector('body[data-state="done"]', { timeout: 60000 });
    const rows = await page.$$eval('#chart .row', (rs) => rs.map((r) => ({
      label: r.dataset.label,
      present: r.classList.contains('present'),
      width: parseFloat(r.querySelector('.fill').style.width),
    })));
    // The heat map has colour in it: count pixels that are not white.
    const inked = await page.$eval('#heatmap', (c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) n++;
      return n;
    });
    const bars = await page.$eval('#ranges', (c) => Number(c.dataset.bars || 0));
    const ranges = await page.$$eval('#range-list li', (ls) => ls.map((l) => ({ label: l.dataset.label, text: l.textContent })));
    const statusText = await page.textContent('#status');
    await page.screenshot({ path: shot, fullPage: true });
    // A file that is not audio: the page explains it.
    await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not audio at all') });
    await page.waitForSelector('#status.error', { timeout: 30000 });
    const error = await page.textContent('#status');
    console.log(JSON.stringify({ rows, inked, bars, ranges, status: statusText, error, consoleErrors }));
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
