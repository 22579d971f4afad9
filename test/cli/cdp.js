// A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (no npm packages):
// Chromium reads commands from fd 3 and writes replies and events to fd 4, each message a
// JSON text followed by a NUL byte.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function findChromium() {
  if (process.env.AUTOSPAN_CHROMIUM) return process.env.AUTOSPAN_CHROMIUM;
  return CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p)) || null;
}

class Browser {
  static async launch(executable, { width = 1400, height = 900 } = {}) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'autospan-chromium-'));
    const args = [
      '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-default-apps', '--disable-extensions', '--mute-audio',
      `--user-data-dir=${profile}`, `--window-size=${width},${height}`,
      '--remote-debugging-pipe', 'about:blank',
    ];
    const proc = spawn(executable, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    const b = new Browser(proc, profile);
    proc.stderr.on('data', (d) => { b.stderr += d.toString(); });
    return b;
  }

  constructor(proc, profile) {
    this.proc = proc;
    this.profile = profile;
    this.stderr = '';
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = [];
    this.exited = false;
    let buf = Buffer.alloc(0);
    proc.stdio[4].on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      let nul;
      while ((nul = buf.indexOf(0)) >= 0) {
        const msg = JSON.parse(buf.subarray(0, nul).toString('utf8'));
        buf = buf.subarray(nul + 1);
        this.dispatch(msg);
      }
    });
    proc.on('exit', (code) => {
      this.exited = true;
      for (const { reject } of this.pending.values())
        reject(new Error(`chromium exited (${code}) before replying\n${this.stderr.slice(-2000)}`));
      this.pending.clear();
    });
  }

  dispatch(msg) {
    if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
      else p.resolve(msg.result);
      return;
    }
    for (const l of this.listeners) l(msg);
  }

  send(method, params = {}, sessionId = undefined, timeoutMs = 60000) {
    if (this.exited) return Promise.reject(new Error('chromium is not running'));
    const id = this.nextId++;
    const msg = { id, method, params };
    if (sessionId) msg.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.proc.stdio[3].write(JSON.stringify(msg) + '\0');
    });
  }

  on(fn) { this.listeners.push(fn); }

  async newPage() {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    return new Page(this, sessionId);
  }

  async close() {
    const exited = new Promise((resolve) => {
      if (this.exited) resolve();
      else this.proc.on('exit', resolve);
    });
    try { await this.send('Browser.close', {}, undefined, 5000); } catch (e) { /* gone already */ }
    const timer = setTimeout(() => { if (!this.exited) this.proc.kill('SIGKILL'); }, 5000);
    await exited;
    clearTimeout(timer);
    // Chromium's helper processes may still be letting go of the profile for a moment.
    fs.rmSync(this.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

class Page {
  constructor(browser, sessionId) {
    this.browser = browser;
    this.sessionId = sessionId;
    this.requests = [];   // every URL the page asked for
    this.errors = [];     // uncaught exceptions and console errors
    browser.on((msg) => {
      if (msg.sessionId !== sessionId) return;
      if (msg.method === 'Network.requestWillBeSent') this.requests.push(msg.params.request.url);
      if (msg.method === 'Runtime.exceptionThrown')
        this.errors.push(msg.params.exceptionDetails.exception
          ? msg.params.exceptionDetails.exception.description : msg.params.exceptionDetails.text);
      if (msg.method === 'Runtime.consoleAPICalled' && msg.params.type === 'error')
        this.errors.push(msg.params.args.map((a) => a.value || a.description).join(' '));
      if (msg.method === 'Log.entryAdded' && msg.params.entry.level === 'error')
        this.errors.push(`${msg.params.entry.source}: ${msg.params.entry.text}`);
      if (msg.method === 'Page.loadEventFired' && this.onLoad) this.onLoad();
    });
  }

  send(method, params) { return this.browser.send(method, params, this.sessionId); }

  async init(width, height) {
    await this.send('Page.enable');
    await this.send('Runtime.enable');
    await this.send('Network.enable');
    await this.send('Log.enable');
    await this.send('Emulation.setDeviceMetricsOverride',
      { width, height, deviceScaleFactor: 1, mobile: false });
  }

  async goto(url) {
    const loaded = new Promise((resolve) => { this.onLoad = resolve; });
    await this.send('Page.navigate', { url });
    await loaded;
  }

  async eval(expression) {
    const r = await this.send('Runtime.evaluate',
      { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails)
      throw new Error(`evaluate failed: ${r.exceptionDetails.exception
        ? r.exceptionDetails.exception.description : r.exceptionDetails.text}\n${expression}`);
    return r.result.value;
  }

  async waitFor(expression, timeoutMs = 20000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (await this.eval(`!!(${expression})`)) return;
      if (Date.now() > until) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // A real mouse click (pressed + released) at the centre of the first element matching
  // `selector`, after scrolling it into view.
  async click(selector, { clickCount = 1, modifiers = 0 } = {}) {
    const box = await this.eval(`(() => {
      const e = document.querySelector(${JSON.stringify(selector)});
      if (!e) return null;
      // The first box: an inline element that wraps has an empty middle.
      const box = () => e.getClientRects()[0] || e.getBoundingClientRect();
      let r = box();
      if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) {
        e.scrollIntoView({ block: 'nearest' });
        r = box();
      }
      return { x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height };
    })()`);
    if (!box) throw new Error(`no element matches ${selector}`);
    if (box.w === 0 || box.h === 0) throw new Error(`${selector} is not visible`);
    await this.mouse('mouseMoved', box.x, box.y, { modifiers });
    for (let i = 1; i <= clickCount; i++) {
      await this.mouse('mousePressed', box.x, box.y, { clickCount: i, modifiers });
      await this.mouse('mouseReleased', box.x, box.y, { clickCount: i, modifiers });
    }
    return box;
  }

  mouse(type, x, y, extra = {}) {
    return this.send('Input.dispatchMouseEvent', Object.assign(
      { type, x, y, button: type === 'mouseMoved' ? 'none' : 'left', clickCount: 1 }, extra));
  }

  wheel(x, y, deltaY, modifiers = 0) {
    return this.send('Input.dispatchMouseEvent',
      { type: 'mouseWheel', x, y, deltaX: 0, deltaY, modifiers });
  }

  async type(selector, text) {
    await this.click(selector);
    await this.send('Input.insertText', { text });
  }

  async screenshot(file) {
    const { data } = await this.send('Page.captureScreenshot', { format: 'png' });
    fs.writeFileSync(file, Buffer.from(data, 'base64'));
  }
}

module.exports = { Browser, findChromium };
