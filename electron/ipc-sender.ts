/**
 * Who may talk to the main process: only the app's own page, in the main frame of a window the
 * app created. Pure and structural (a "frame-like" is anything shaped like Electron's
 * WebFrameMain) so that test/unit/electron-ipc-sender.test.ts can try every impostor without
 * an Electron binary.
 *
 * Every `ipcMain.on`/`ipcMain.handle` handler calls `isTrustedSender(event, …)` first, and the
 * engine host calls `isTrustedContents` before it hands a page a port to the engine.
 */
import { isAppUrl } from './app-url.js';

/** The parts of Electron's WebFrameMain the check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
  readonly processId: number;
  readonly routingId: number;
  readonly detached?: boolean;
}

/** The parts of Electron's WebContents the check reads. */
export interface ContentsLike {
  readonly id: number;
  readonly mainFrame: FrameLike;
  isDestroyed(): boolean;
}

/** The parts of an IpcMainEvent / IpcMainInvokeEvent the check reads. */
export interface IpcEventLike {
  readonly sender: ContentsLike;
  readonly senderFrame: FrameLike | null;
}

export type SenderVerdict = { readonly trusted: true } | { readonly trusted: false; readonly reason: string };

const refuse = (reason: string): SenderVerdict => ({ trusted: false, reason });

/** Same frame: Electron may hand out distinct wrapper objects for one frame, so compare its ids. */
function sameFrame(a: FrameLike, b: FrameLike): boolean {
  return a === b || (a.processId === b.processId && a.routingId === b.routingId);
}

/** Whether `contents` is one of the app's windows and currently shows the app's own page. */
export function checkContents(contents: ContentsLike | null | undefined, trustedIds: ReadonlySet<number>): SenderVerdict {
  if (!contents) return refuse('no sender');
  if (contents.isDestroyed()) return refuse('the sender is gone');
  if (!trustedIds.has(contents.id)) return refuse(`web contents ${contents.id} is not one of the app's windows`);
  const main = contents.mainFrame;
  if (main.detached === true) return refuse('the main frame is detached');
  if (!isAppUrl(main.url)) return refuse(`the window shows ${main.url || 'nothing'}, not the app`);
  return { trusted: true };
}

/** The IPC check: the app's window, its main frame (never a subframe), on the app's origin. */
export function checkSender(event: IpcEventLike, trustedIds: ReadonlySet<number>): SenderVerdict {
  const contents = checkContents(event.sender, trustedIds);
  if (!contents.trusted) return contents;
  const frame = event.senderFrame;
  if (frame === null) return refuse('the sending frame navigated away or was destroyed');
  if (frame.detached === true) return refuse('the sending frame is detached');
  if (frame.parent !== null || !sameFrame(frame, event.sender.mainFrame)) return refuse('a subframe may not use IPC');
  if (!isAppUrl(frame.url)) return refuse(`the sending frame is on ${frame.url || 'nothing'}, not the app`);
  return { trusted: true };
}

export function isTrustedSender(event: IpcEventLike, trustedIds: ReadonlySet<number>): boolean {
  return checkSender(event, trustedIds).trusted;
}

export function isTrustedContents(contents: ContentsLike | null | undefined, trustedIds: ReadonlySet<number>): boolean {
  return checkContents(contents, trustedIds).trusted;
}
