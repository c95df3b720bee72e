/**
 * Window state: hostile and corrupt files are ignored with a reason (never a crash), and restored
 * bounds land on a display that is connected now.
 */
import { describe, test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  debounced,
  loadWindowState,
  parseWindowState,
  placeWindow,
  saveWindowState,
  WINDOW_STATE_FILE,
  type DisplayArea,
  type WindowState,
} from '../../electron/window-state.js';

const PREFERRED = { width: 1280, height: 800 };
const MINIMUM = { width: 960, height: 600 };
const laptop: DisplayArea = { workArea: { x: 0, y: 0, width: 1366, height: 728 }, primary: true };
const rightMonitor: DisplayArea = { workArea: { x: 1366, y: 0, width: 1920, height: 1040 }, primary: false };
const state = (x: number, y: number, width = 1200, height = 700, extra: Partial<WindowState> = {}): WindowState => ({
  bounds: { x, y, width, height },
  maximized: false,
  fullscreen: false,
  ...extra,
});

describe('window state file', () => {
  const good = { version: 1, bounds: { x: 10, y: 20, width: 1200, height: 700 }, maximized: true, fullscreen: false };
  const rejected: [string, string, RegExp][] = [
    ['not JSON', '{"version":1,', /not JSON/],
    ['empty', '', /not JSON/],
    ['a bare number', '42', /expected object/i],
    ['null', 'null', /expected object/i],
    ['an array', '[1,2,3]', /expected object/i],
    ['another version', JSON.stringify({ ...good, version: 2 }), /version/],
    ['a string width', JSON.stringify({ ...good, bounds: { ...good.bounds, width: '1200' } }), /bounds\.width/],
    ['a zero height', JSON.stringify({ ...good, bounds: { ...good.bounds, height: 0 } }), /bounds\.height/],
    ['a negative width', JSON.stringify({ ...good, bounds: { ...good.bounds, width: -5 } }), /bounds\.width/],
    ['NaN-like huge coordinates', JSON.stringify({ ...good, bounds: { ...good.bounds, x: 1e308 } }), /bounds\.x/],
    ['fractional coordinates', JSON.stringify({ ...good, bounds: { ...good.bounds, x: 10.5 } }), /bounds\.x/],
    ['maximized as a string', JSON.stringify({ ...good, maximized: 'yes' }), /maximized/],
    ['a missing field', JSON.stringify({ version: 1, bounds: good.bounds, maximized: false }), /fullscreen/],
    ['an extra field', JSON.stringify({ ...good, script: 'x' }), /script|unrecognized/i],
    ['a prototype key', '{"__proto__":{"polluted":true},"version":1}', /bounds|unrecognized/i],
  ];
  for (const [name, text, reason] of rejected) {
    test(`rejects ${name} with a reason`, () => {
      const parsed = parseWindowState(text);
      assert.equal(parsed.ok, false);
      assert.match(!parsed.ok ? parsed.reason : '', reason);
    });
  }
  test('no pollution from a __proto__ key', () => {
    parseWindowState('{"__proto__":{"polluted":true}}');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('round-trips through the data folder, written atomically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-winstate-'));
    try {
      const lines: string[] = [];
      assert.equal(
        loadWindowState(dir, (l) => lines.push(l)),
        null,
        'no file: nothing, silently',
      );
      assert.equal(lines.length, 0);
      saveWindowState(dir, state(-1200, 40, 1000, 650, { maximized: true }), (l) => lines.push(l));
      assert.deepEqual(
        loadWindowState(dir, (l) => lines.push(l)),
        state(-1200, 40, 1000, 650, { maximized: true }),
      );
      assert.deepEqual(readdirSync(dir), [WINDOW_STATE_FILE], 'no temporary file left behind');
      assert.equal(lines.length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a corrupt file is ignored with one log line naming the file and why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-winstate-'));
    try {
      writeFileSync(join(dir, WINDOW_STATE_FILE), Buffer.from([0xff, 0xfe, 0x00, 0x7b]));
      const lines: string[] = [];
      assert.equal(
        loadWindowState(dir, (l) => lines.push(l)),
        null,
      );
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /window-state\.json: it is not JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a directory where the file should be is reported, not thrown', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-winstate-'));
    try {
      mkdirSync(join(dir, WINDOW_STATE_FILE));
      const lines: string[] = [];
      assert.equal(
        loadWindowState(dir, (l) => lines.push(l)),
        null,
      );
      assert.match(lines[0] ?? '', /could not read/);
      saveWindowState(dir, state(0, 0), (l) => lines.push(l));
      assert.match(lines[1] ?? '', /could not save/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the saved file is plain, versioned JSON with whole pixels', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-winstate-'));
    try {
      saveWindowState(dir, state(10.4, 20.6, 1000.5, 700), () => undefined);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, WINDOW_STATE_FILE), 'utf8')), {
        version: 1,
        bounds: { x: 10, y: 21, width: 1001, height: 700 },
        maximized: false,
        fullscreen: false,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('placing the window on the displays connected now', () => {
  test('first run: the preferred size fitted to the primary work area, centred', () => {
    assert.deepEqual(placeWindow(null, [rightMonitor, laptop], PREFERRED, MINIMUM), {
      bounds: { width: 1280, height: 728, x: 43, y: 0 },
      maximized: false,
      fullscreen: false,
    });
  });

  test('a window saved on a display still connected comes back where it was', () => {
    assert.deepEqual(placeWindow(state(1500, 100), [laptop, rightMonitor], PREFERRED, MINIMUM).bounds, {
      x: 1500,
      y: 100,
      width: 1200,
      height: 700,
    });
  });

  test('a window saved on a monitor that is gone comes back on the primary one', () => {
    const placed = placeWindow(state(1500, 100, 1200, 700, { maximized: true }), [laptop], PREFERRED, MINIMUM);
    assert.deepEqual(placed.bounds, { width: 1200, height: 700, x: 83, y: 14 });
    assert.equal(placed.maximized, true, 'maximized is kept');
  });

  test('a window hanging off the edge is pulled wholly inside the work area', () => {
    assert.deepEqual(placeWindow(state(1000, 500), [laptop], PREFERRED, MINIMUM).bounds, { x: 166, y: 28, width: 1200, height: 700 });
    assert.deepEqual(placeWindow(state(-100, -50), [laptop], PREFERRED, MINIMUM).bounds, { x: 0, y: 0, width: 1200, height: 700 });
  });

  test('a sliver on a display (less than 64 px) does not count as being on it', () => {
    assert.deepEqual(placeWindow(state(1366 - 30, 100), [laptop], PREFERRED, MINIMUM).bounds, { x: 83, y: 14, width: 1200, height: 700 });
  });

  test('a window larger than the display is shrunk to it, never below the display', () => {
    const small: DisplayArea = { workArea: { x: 0, y: 0, width: 800, height: 560 }, primary: true };
    assert.deepEqual(placeWindow(state(0, 0, 3000, 2000), [small], PREFERRED, MINIMUM).bounds, { x: 0, y: 0, width: 800, height: 560 });
  });

  test('a window smaller than the minimum grows to it', () => {
    assert.deepEqual(placeWindow(state(10, 10, 200, 100), [laptop], PREFERRED, MINIMUM).bounds, { x: 10, y: 10, width: 960, height: 600 });
  });

  test('the display showing most of the window wins; negative coordinates (a monitor on the left) work', () => {
    const left: DisplayArea = { workArea: { x: -1920, y: -200, width: 1920, height: 1080 }, primary: false };
    assert.deepEqual(placeWindow(state(-800, 0, 1000, 700), [laptop, left], PREFERRED, MINIMUM).bounds, {
      x: -1000,
      y: 0,
      width: 1000,
      height: 700,
    });
  });

  test('no display reported: the saved bounds as they are', () => {
    assert.deepEqual(placeWindow(state(5, 5), [], PREFERRED, MINIMUM).bounds, { x: 5, y: 5, width: 1200, height: 700 });
  });
});

describe('debounced save', () => {
  test('a burst of moves saves once after it settles; flush saves at once', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let saves = 0;
      const save = debounced(() => saves++, 500);
      for (let i = 0; i < 20; i++) {
        save.schedule();
        mock.timers.tick(100);
      }
      assert.equal(saves, 0, 'still moving');
      mock.timers.tick(500);
      assert.equal(saves, 1);
      save.schedule();
      save.flush();
      assert.equal(saves, 2, 'closing saves now');
      mock.timers.tick(1000);
      assert.equal(saves, 2, 'and the pending save is not repeated');
    } finally {
      mock.timers.reset();
    }
  });
});
