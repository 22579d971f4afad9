// Takes the screenshot for docs/viewing.md: the report of INPUT with the first error span
// selected. usage: node docs_screenshot.js AUTOSPAN_BINARY INPUT.jsonl OUT.png [WIDTHxHEIGHT]
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Browser, findChromium } = require('./cdp');

const [bin, input, out, size = '1400x760'] = process.argv.slice(2);
const [width, height] = size.split('x').map(Number);
(async () => {
  const html = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'autospan-docs-')), 'report.html');
  execFileSync(bin, ['html', input, '-o', html, '--title', path.basename(input)]);
  const browser = await Browser.launch(findChromium());
  try {
    const page = await browser.newPage();
    await page.init(width, height);
    await page.goto('file://' + html);
    await page.waitFor(`document.body.dataset.ready === '1'`);
    const errTrace = await page.eval(`(() => { const b = document.querySelector('#trace-list .trace .badge'); return b ? b.closest('.trace').dataset.traceId : null; })()`);
    if (errTrace) {
      await page.click(`#trace-list .trace[data-trace-id="${errTrace}"]`);
      await page.click('#rows .row.err .nm');
    }
    await page.screenshot(out);
    console.log(`wrote ${out}`);
  } finally {
    await browser.close();
  }
})();
