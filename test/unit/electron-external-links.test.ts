/**
 * shell.openExternal receives only https links the app produced, registered exactly.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogLinks, ExternalLinks, externalLinkProblem, openExternalLink } from '../../electron/external-links.js';

const root = join(import.meta.dirname, '..', '..');

describe('externalLinkProblem', () => {
  test('accepts a canonical https link to a public host', () => {
    assert.equal(externalLinkProblem('https://docs.vendor.example/recovery/flash-guide'), null);
    assert.equal(externalLinkProblem('https://docs.vendor.example/a?b=c#d'), null);
  });

  for (const [url, expected] of [
    ['http://docs.vendor.example/', /only https/],
    ['javascript:alert(1)', /only https/],
    ['file:///etc/passwd', /only https/],
    ['data:text/html,hi', /only https/],
    ['blob:https://docs.vendor.example/1', /only https/],
    ['smb://server/share', /only https/],
    ['ms-msdt:/id PCWDiagnostic', /not a well-formed URL|only https/],
    ['app://fieldline/index.html', /only https/],
    ['https://user@docs.vendor.example/', /user name or password/],
    ['https://docs.vendor.example@attacker.test/', /user name or password/],
    ['https://localhost/', /not a public host/],
    ['https://DOCS.vendor.example/', /canonical/],
    ['https://docs.vendor.example', /canonical/],
    ['https://docs.vendor.example:443/', /canonical/],
    ['https://аttacker.example/', /canonical/],
    [' https://docs.vendor.example/', /well-formed/],
    ['https://docs.vendor.example/\n', /well-formed/],
    ['', /well-formed/],
  ] as const) {
    test(`refuses ${JSON.stringify(url)}`, () => {
      const problem = externalLinkProblem(url);
      assert.ok(problem !== null && expected.test(problem), `${url}: ${problem}`);
    });
  }
});

describe('ExternalLinks', () => {
  test('registers good links, refuses bad ones with the reason, and looks up only exact matches', () => {
    const links = new ExternalLinks();
    assert.deepEqual(links.register('https://docs.vendor.example/guide'), { ok: true, url: 'https://docs.vendor.example/guide' });
    const bad = links.register('http://docs.vendor.example/guide');
    assert.equal(bad.ok, false);
    assert.equal(links.size, 1);
    assert.equal(links.lookup('https://docs.vendor.example/guide'), 'https://docs.vendor.example/guide');
    assert.equal(links.lookup('https://docs.vendor.example/guide/'), null);
    assert.equal(links.lookup('https://docs.vendor.example/Guide'), null);
    assert.equal(links.lookup('http://docs.vendor.example/guide'), null);
    assert.equal(links.lookup(undefined as unknown as string), null);
  });
});

describe('openExternalLink', () => {
  test('opens a registered link once and refuses everything else without calling the shell', async () => {
    const opened: string[] = [];
    const lines: string[] = [];
    const shell = { openExternal: (url: string) => (opened.push(url), Promise.resolve()) };
    const links = new ExternalLinks(['https://docs.vendor.example/guide']);
    assert.equal(
      openExternalLink(shell, links, 'https://docs.vendor.example/guide', (l) => lines.push(l)),
      true,
    );
    assert.equal(
      openExternalLink(shell, links, 'file:///etc/passwd', (l) => lines.push(l)),
      false,
    );
    assert.equal(
      openExternalLink(shell, links, 'https://docs.vendor.example/guide?x', (l) => lines.push(l)),
      false,
    );
    await Promise.resolve();
    assert.deepEqual(opened, ['https://docs.vendor.example/guide']);
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /refused to open file:\/\/\/etc\/passwd/);
  });
});

describe('catalogLinks', () => {
  test('finds https links in next steps, without trailing punctuation, and ignores other schemes', () => {
    const catalog = {
      entries: [
        { nextStep: 'See https://docs.vendor.example/recovery/guide. Then reboot.', meaning: 'x' },
        { nextStep: 'Old http://docs.vendor.example/x and file:///etc/passwd', meaning: 'y' },
        { nextStep: 42 },
        null,
      ],
    };
    assert.deepEqual(catalogLinks(catalog), ['https://docs.vendor.example/recovery/guide']);
    assert.deepEqual(catalogLinks(null), []);
    assert.deepEqual(catalogLinks({ entries: 'nope' }), []);
  });

  test('every link found in the shipped catalog is registrable', () => {
    const catalog: unknown = JSON.parse(readFileSync(join(root, 'resources', 'usb-catalog.json'), 'utf8'));
    const links = new ExternalLinks(catalogLinks(catalog));
    // The shipped catalog names tools and commands rather than links today; whatever it adds must register.
    assert.equal(links.size, new Set(catalogLinks(catalog)).size);
  });
});
