/**
 * IPC is accepted only from the app's own main frame, in a window the app created.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSender, isTrustedContents, isTrustedSender, type ContentsLike, type FrameLike } from '../../electron/ipc-sender.js';

function frame(url: string, parent: FrameLike | null = null, ids: [number, number] = [10, 1]): FrameLike {
  return { url, parent, processId: ids[0], routingId: ids[1] };
}

function contents(id: number, mainFrame: FrameLike, destroyed = false): ContentsLike {
  return { id, mainFrame, isDestroyed: () => destroyed };
}

const TRUSTED = new Set([7]);
const main = frame('app://fieldline/index.html');
const window = contents(7, main);

describe('isTrustedSender', () => {
  test('accepts the main frame of the app window on the app origin', () => {
    assert.equal(isTrustedSender({ sender: window, senderFrame: main }, TRUSTED), true);
    // Electron may wrap the same frame in a new object: same process and routing id.
    assert.equal(isTrustedSender({ sender: window, senderFrame: frame('app://fieldline/index.html') }, TRUSTED), true);
  });

  const cases: readonly (readonly [string, Parameters<typeof checkSender>[0], RegExp])[] = [
    ['another web contents', { sender: contents(8, main), senderFrame: main }, /not one of the app's windows/],
    ['a destroyed window', { sender: contents(7, main, true), senderFrame: main }, /gone/],
    ['a null sender frame', { sender: window, senderFrame: null }, /navigated away/],
    ['a subframe on the app origin', { sender: window, senderFrame: frame('app://fieldline/x.html', main, [10, 2]) }, /subframe/],
    ['a subframe claiming no parent', { sender: window, senderFrame: frame('app://fieldline/x.html', null, [10, 2]) }, /subframe/],
    ['a detached frame', { sender: window, senderFrame: { ...main, detached: true } }, /detached/],
    [
      'a window that navigated to a remote page',
      { sender: contents(7, frame('https://attacker.test/')), senderFrame: frame('https://attacker.test/') },
      /not the app/,
    ],
    [
      'a look-alike app host',
      { sender: contents(7, frame('app://fieldline.evil/')), senderFrame: frame('app://fieldline.evil/') },
      /not the app/,
    ],
    ['file:', { sender: contents(7, frame('file:///index.html')), senderFrame: frame('file:///index.html') }, /not the app/],
    ['data:', { sender: contents(7, frame('data:text/html,x')), senderFrame: frame('data:text/html,x') }, /not the app/],
    ['about:blank', { sender: contents(7, frame('about:blank')), senderFrame: frame('about:blank') }, /not the app/],
    ['an empty URL', { sender: contents(7, frame('')), senderFrame: frame('') }, /nothing/],
    [
      'a main frame on the app whose sender frame is elsewhere',
      { sender: window, senderFrame: frame('https://attacker.test/', null, [10, 1]) },
      /not the app/,
    ],
  ];
  for (const [name, event, reason] of cases) {
    test(`refuses ${name}`, () => {
      const verdict = checkSender(event, TRUSTED);
      assert.equal(verdict.trusted, false);
      if (!verdict.trusted) assert.match(verdict.reason, reason);
    });
  }

  test('refuses every sender when no window is trusted yet', () => {
    assert.equal(isTrustedSender({ sender: window, senderFrame: main }, new Set()), false);
  });
});

describe('isTrustedContents', () => {
  test('hands a port only to an app window that shows the app', () => {
    assert.equal(isTrustedContents(window, TRUSTED), true);
    assert.equal(isTrustedContents(contents(7, frame('https://attacker.test/')), TRUSTED), false);
    assert.equal(isTrustedContents(contents(9, main), TRUSTED), false);
    assert.equal(isTrustedContents(null, TRUSTED), false);
    assert.equal(isTrustedContents(contents(7, main, true), TRUSTED), false);
  });
});
