/**
 * The main window comes back where the technician left it: bounds, maximized, full screen, kept
 * in `window-state.json` in the data folder.
 *
 * No Electron here (window.ts feeds it the displays and the window's events), so the hostile
 * cases are unit-tested: a file that is corrupt, truncated or absurd is ignored with a log line,
 * and a window saved on a monitor that is no longer connected comes back on the primary one.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export const WINDOW_STATE_FILE = 'window-state.json';

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

export interface WindowState {
  /** The normal (not maximized, not full-screen) bounds. */
  readonly bounds: Rect;
  readonly maximized: boolean;
  readonly fullscreen: boolean;
}

/** A connected display as Electron's `screen` reports it. */
export interface DisplayArea {
  readonly workArea: Rect;
  readonly primary: boolean;
}

/** Where to open the window; no x/y means "centred by the OS" (first run). */
export interface Placement {
  readonly bounds: Size & { readonly x?: number; readonly y?: number };
  readonly maximized: boolean;
  readonly fullscreen: boolean;
}

/** Coordinates beyond any real desktop: a file with them was not written by us. */
const COORD = 100_000;
const coord = z.number().int().min(-COORD).max(COORD);
const length = z.number().int().min(1).max(COORD);
const schema = z
  .object({
    version: z.literal(1),
    bounds: z.object({ x: coord, y: coord, width: length, height: length }).strict(),
    maximized: z.boolean(),
    fullscreen: z.boolean(),
  })
  .strict();

/** A window must show at least this much of itself on a display to count as being on it. */
const MIN_VISIBLE = 64;

export type ParsedState = { readonly ok: true; readonly state: WindowState } | { readonly ok: false; readonly reason: string };

export function parseWindowState(text: string): ParsedState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `it is not JSON (${(err as Error).message})` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') || 'the file'}: ${issue?.message ?? 'unexpected shape'}` };
  }
  const { bounds, maximized, fullscreen } = parsed.data;
  return { ok: true, state: { bounds, maximized, fullscreen } };
}

export function serializeWindowState(state: WindowState): string {
  const { x, y, width, height } = state.bounds;
  const round = (n: number): number => Math.round(n);
  return `${JSON.stringify({ version: 1, bounds: { x: round(x), y: round(y), width: round(width), height: round(height) }, maximized: state.maximized, fullscreen: state.fullscreen }, null, 2)}\n`;
}

/** The saved state, or null when there is none or it cannot be used (then says why, once). */
export function loadWindowState(dataDir: string, log: (line: string) => void): WindowState | null {
  const file = join(dataDir, WINDOW_STATE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log(`window state: could not read ${file}: ${(err as Error).message}`);
    return null;
  }
  const parsed = parseWindowState(text);
  if (!parsed.ok) {
    log(`window state: ignored ${file}: ${parsed.reason}`);
    return null;
  }
  return parsed.state;
}

/** Writes through a temporary file, so a crash mid-write leaves the old state, not half a file. */
export function saveWindowState(dataDir: string, state: WindowState, log: (line: string) => void): void {
  const file = join(dataDir, WINDOW_STATE_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temporary, serializeWindowState(state), { mode: 0o600 });
    renameSync(temporary, file);
  } catch (err) {
    log(`window state: could not save ${file}: ${(err as Error).message}`);
  }
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

/**
 * Where to open the window: the saved bounds moved and shrunk as needed to lie wholly inside the
 * work area of the display showing most of them, or of the primary display when none shows
 * enough (that monitor was unplugged). Never smaller than `minimum` unless the display is.
 */
export function placeWindow(saved: WindowState | null, displays: readonly DisplayArea[], preferred: Size, minimum: Size): Placement {
  const primary = displays.find((d) => d.primary) ?? displays[0];
  if (primary === undefined) {
    // No display reported (headless, or a screen API in trouble): let the OS decide.
    return { bounds: { ...(saved?.bounds ?? preferred) }, maximized: saved?.maximized ?? false, fullscreen: saved?.fullscreen ?? false };
  }
  const fit = (work: Rect, size: Size): Size => ({
    width: clamp(size.width, Math.min(minimum.width, work.width), work.width),
    height: clamp(size.height, Math.min(minimum.height, work.height), work.height),
  });
  if (saved === null) {
    const size = fit(primary.workArea, preferred);
    return {
      bounds: {
        ...size,
        x: primary.workArea.x + Math.floor((primary.workArea.width - size.width) / 2),
        y: primary.workArea.y + Math.floor((primary.workArea.height - size.height) / 2),
      },
      maximized: false,
      fullscreen: false,
    };
  }
  let best: DisplayArea | null = null;
  let bestArea = 0;
  for (const display of displays) {
    const o = overlap(saved.bounds, display.workArea);
    const area = o.width * o.height;
    if (o.width >= Math.min(MIN_VISIBLE, saved.bounds.width) && o.height >= Math.min(MIN_VISIBLE, saved.bounds.height) && area > bestArea) {
      best = display;
      bestArea = area;
    }
  }
  const work = (best ?? primary).workArea;
  const size = fit(work, saved.bounds);
  const x =
    best === null ? work.x + Math.floor((work.width - size.width) / 2) : clamp(saved.bounds.x, work.x, work.x + work.width - size.width);
  const y =
    best === null
      ? work.y + Math.floor((work.height - size.height) / 2)
      : clamp(saved.bounds.y, work.y, work.y + work.height - size.height);
  return { bounds: { ...size, x, y }, maximized: saved.maximized, fullscreen: saved.fullscreen };
}

/** Calls `save` once things have been quiet for `ms` (moves and resizes come in bursts); `flush` saves now. */
export function debounced(
  save: () => void,
  ms: number,
): { readonly schedule: () => void; readonly flush: () => void; readonly cancel: () => void } {
  let timer: NodeJS.Timeout | null = null;
  const cancel = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return {
    schedule: () => {
      cancel();
      timer = setTimeout(() => {
        timer = null;
        save();
      }, ms);
    },
    flush: () => {
      cancel();
      save();
    },
    cancel,
  };
}
