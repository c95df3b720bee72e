/**
 * Every way a bundle is refused (issue #3, item 3): a crafted bundle per case, asserting the exact
 * reason code and the sentence the technician reads.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { verifyBundle, type Check, type ManifestPayload, type VerifyReport } from '../../core/bundle/index.js';
import {
  demoPolicy,
  entry,
  envelopeFor,
  manifestEntry,
  manifestFor,
  NOW,
  payloadOf,
  sha256,
  tarBytes,
  tempDir,
  type RawEntry,
  type TempDir,
} from '../helpers/bundle-craft.js';

let t: TempDir;
before(async () => {
  t = await tempDir('fieldline-bundle-reject-');
});
after(async () => {
  await t.cleanup();
});

const A = Buffer.from('rootfs image bytes '.repeat(100));
const B = Buffer.from('bootloader bytes');

async function verifyBytes(name: string, bytes: Uint8Array): Promise<VerifyReport> {
  return verifyBundle(await t.file(name, bytes), demoPolicy(), { now: NOW });
}

/** A bundle whose signed manifest lists `listed` and whose archive holds `entries` after it. */
function signedBundle(
  listed: readonly ManifestPayload[],
  entries: readonly RawEntry[],
  options: { end?: boolean; trailer?: Uint8Array } = {},
): Buffer {
  return tarBytes([manifestEntry(envelopeFor(manifestFor(listed))), ...entries], options);
}

function only(report: VerifyReport): Check {
  assert.equal(report.ok, false, 'the bundle must be refused');
  const failed = report.checks.filter((c) => c.status === 'fail');
  assert.ok(failed.length >= 1);
  return report.firstFailure!;
}

describe('bundle rejections', () => {
  test('a well-formed bundle passes (control for every case below)', async () => {
    const report = await verifyBytes(
      'good.flb',
      signedBundle([payloadOf('a.bin', A), payloadOf('b.bin', B, 'bootloader')], [entry('a.bin', A), entry('b.bin', B)]),
    );
    assert.equal(report.ok, true, JSON.stringify(report.firstFailure));
    assert.equal(report.checks.filter((c) => c.id === 'payload' && c.status === 'pass').length, 2);
  });

  test('payload not listed', async () => {
    const c = only(await verifyBytes('unlisted.flb', signedBundle([payloadOf('a.bin', A)], [entry('a.bin', A), entry('extra.bin', B)])));
    assert.equal(c.code, 'payload_unlisted');
    assert.equal(c.subject, 'extra.bin');
    assert.equal(
      c.message,
      '"extra.bin" is in the archive but not in the signed manifest, so nobody vouches for it; the bundle was altered after signing. Get a fresh copy',
    );
  });

  test('listed payload missing', async () => {
    const c = only(await verifyBytes('missing.flb', signedBundle([payloadOf('a.bin', A), payloadOf('b.bin', B)], [entry('a.bin', A)])));
    assert.equal(c.code, 'payload_missing');
    assert.equal(
      c.message,
      '"b.bin" is listed in the signed manifest but is not in the archive; the bundle is incomplete. Get a complete copy',
    );
  });

  test('size mismatch', async () => {
    const bigger = Buffer.concat([A, Buffer.from('!')]);
    const c = only(await verifyBytes('size.flb', signedBundle([payloadOf('a.bin', A)], [entry('a.bin', bigger)])));
    assert.equal(c.code, 'payload_size_mismatch');
    assert.equal(
      c.message,
      `"a.bin" is ${bigger.length} bytes (1.9 KiB) but the signed manifest says ${A.length} bytes (1.9 KiB); the file was altered or replaced. Get a fresh copy`,
    );
  });

  test('hash mismatch', async () => {
    const altered = Buffer.from(A);
    altered[7] = altered[7]! ^ 0x20;
    const c = only(await verifyBytes('hash.flb', signedBundle([payloadOf('a.bin', A)], [entry('a.bin', altered)])));
    assert.equal(c.code, 'payload_hash_mismatch');
    assert.equal(
      c.message,
      `"a.bin" has SHA-256 ${sha256(altered).slice(0, 16)}… but the signed manifest says ${sha256(A).slice(0, 16)}…; its contents were altered or corrupted. Get a fresh copy`,
    );
  });

  test('duplicate path', async () => {
    const c = only(await verifyBytes('dup.flb', signedBundle([payloadOf('a.bin', A)], [entry('a.bin', A), entry('a.bin', A)])));
    assert.equal(c.code, 'path_duplicate');
    assert.equal(
      c.message,
      '"a.bin" appears twice in the archive; a tool extracting it would keep only one of them. The bundle was built wrongly or tampered with',
    );
  });

  test('absolute path', async () => {
    const c = only(await verifyBytes('abs.flb', signedBundle([payloadOf('a.bin', A)], [entry('a.bin', A), entry('/etc/shadow', B)])));
    assert.equal(c.code, 'path_absolute');
    assert.equal(
      c.message,
      'the path "/etc/shadow" is absolute; bundle paths must be relative so nothing can be written outside the target folder',
    );
  });

  test('.. traversal', async () => {
    const c = only(
      await verifyBytes('dotdot.flb', signedBundle([payloadOf('a.bin', A)], [entry('a.bin', A), entry('models/../../boot/evil', B)])),
    );
    assert.equal(c.code, 'path_traversal');
    assert.equal(c.message, 'the path "models/../../boot/evil" contains "..", which could write outside the target folder');
  });

  test('symlink', async () => {
    const c = only(
      await verifyBytes(
        'symlink.flb',
        signedBundle(
          [payloadOf('a.bin', A)],
          [entry('a.bin', A), entry('link', new Uint8Array(0), { typeflag: '2', linkname: '/etc/passwd' })],
        ),
      ),
    );
    assert.equal(c.code, 'entry_link');
    assert.equal(
      c.message,
      '"link" is a symbolic link; bundles may contain only regular files, since a link could point an install outside its folder',
    );
  });

  test('hard link', async () => {
    const c = only(
      await verifyBytes(
        'hardlink.flb',
        signedBundle([payloadOf('a.bin', A)], [entry('a.bin', A), entry('b.bin', new Uint8Array(0), { typeflag: '1', linkname: 'a.bin' })]),
      ),
    );
    assert.equal(c.code, 'entry_hardlink');
    assert.equal(
      c.message,
      '"b.bin" is a hard link; bundles may contain only regular files, since a link could point an install at another file',
    );
  });

  test('device entry', async () => {
    const c = only(
      await verifyBytes(
        'device.flb',
        signedBundle([payloadOf('a.bin', A)], [entry('a.bin', A), entry('sda', new Uint8Array(0), { typeflag: '4' })]),
      ),
    );
    assert.equal(c.code, 'entry_device');
    assert.equal(c.message, '"sda" is a device node; bundles may contain only regular files');
  });

  test('FIFO entry', async () => {
    const c = only(
      await verifyBytes(
        'fifo.flb',
        signedBundle([payloadOf('a.bin', A)], [entry('a.bin', A), entry('pipe', new Uint8Array(0), { typeflag: '6' })]),
      ),
    );
    assert.equal(c.code, 'entry_device');
    assert.equal(c.message, '"pipe" is a FIFO (named pipe); bundles may contain only regular files');
  });

  test('manifest too large', async () => {
    const huge = Buffer.alloc(256 * 1024 + 1, 0x20);
    const c = only(await verifyBytes('huge.flb', tarBytes([entry('manifest.dsse.json', huge), entry('a.bin', A)])));
    assert.equal(c.code, 'manifest_too_large');
    assert.equal(
      c.message,
      'manifest.dsse.json is 262145 bytes (256.0 KiB), more than the 262144 bytes (256.0 KiB) a manifest may be; it was not read. The bundle was built wrongly or is hostile',
    );
  });

  test('manifest not first', async () => {
    const envelope = envelopeFor(manifestFor([payloadOf('a.bin', A)]));
    const c = only(await verifyBytes('notfirst.flb', tarBytes([entry('a.bin', A), manifestEntry(envelope)])));
    assert.equal(c.code, 'manifest_not_first');
    assert.equal(
      c.message,
      'manifest.dsse.json is not the first entry (the archive starts with "a.bin"); the manifest must come first so nothing is read before its signature is checked. Rebuild the bundle with `fieldline bundle create`',
    );
  });

  test('manifest missing', async () => {
    const c = only(await verifyBytes('nomanifest.flb', tarBytes([entry('a.bin', A)])));
    assert.equal(c.code, 'manifest_missing');
    assert.equal(
      c.message,
      'the archive has no manifest.dsse.json (it starts with "a.bin"), so nothing in it is signed; this is not a Fieldline bundle',
    );
  });

  test('decompression bomb: a gzip payload that inflates past its declared size', async () => {
    const inflated = Buffer.alloc(8 * 1024 * 1024);
    const packed = gzipSync(inflated, { level: 9 });
    const declared: ManifestPayload = {
      ...payloadOf('rootfs.img', packed),
      compression: 'gzip',
      uncompressed: { size: 4096, sha256: sha256(inflated.subarray(0, 4096)) },
    };
    const report = await verifyBytes('bomb.flb', signedBundle([declared], [entry('rootfs.img', packed)]));
    const c = only(report);
    assert.equal(c.code, 'decompression_bomb');
    assert.equal(
      c.message,
      '"rootfs.img" inflates to more than the 4096 bytes (4.0 KiB) the manifest declares; decompression was stopped so it cannot fill the disk. Do not use this bundle; report it to its publisher',
    );
  });

  test('gzip payload that is not gzip', async () => {
    const notGzip = Buffer.from('this is not gzip at all');
    const declared: ManifestPayload = {
      ...payloadOf('m.onnx', notGzip, 'model'),
      compression: 'gzip',
      uncompressed: { size: 10, sha256: sha256(B) },
    };
    const c = only(await verifyBytes('notgz.flb', signedBundle([declared], [entry('m.onnx', notGzip)])));
    assert.equal(c.code, 'decompression_failed');
    assert.match(
      c.message,
      /^"m\.onnx" is not valid gzip data \(.+\); the bundle was built wrongly\. Ask its publisher for a corrected bundle$/,
    );
  });

  test('trailing garbage after the end-of-archive blocks', async () => {
    const body = signedBundle([payloadOf('a.bin', A)], [entry('a.bin', A)]);
    const bytes = Buffer.concat([body, Buffer.from('APPENDED')]);
    const c = only(await verifyBytes('trailing.flb', bytes));
    assert.equal(c.code, 'trailing_garbage');
    assert.equal(
      c.message,
      `there are 8 bytes of data after the end of the archive (from byte ${body.length}); a verified bundle ends with its end marker. Something was appended to this file: get a clean copy`,
    );
  });

  test('zero record padding after the end marker is accepted (GNU tar pads to 10 KiB)', async () => {
    const body = signedBundle([payloadOf('a.bin', A)], [entry('a.bin', A)]);
    const report = await verifyBytes('padded.flb', Buffer.concat([body, Buffer.alloc(10240 - (body.length % 10240))]));
    assert.equal(report.ok, true, JSON.stringify(report.firstFailure));
  });

  test('names colliding after Unicode normalisation (NFC vs NFD "é")', async () => {
    const nfc = 'caf\u00e9.txt';
    const nfd = 'cafe\u0301.txt';
    const c = only(await verifyBytes('nfd.flb', signedBundle([payloadOf(nfc, B, 'aux')], [entry(nfc, B), entry(nfd, B)])));
    assert.equal(c.code, 'path_collision');
    assert.equal(c.subject, nfd);
    assert.equal(
      c.message,
      `"${nfd}" and "${nfc}" name the same file on a case-insensitive or Unicode-normalising file system (file names differ only in case or accent encoding); one would overwrite the other`,
    );
  });

  test('names colliding after case folding', async () => {
    const c = only(
      await verifyBytes('case.flb', signedBundle([payloadOf('README.txt', B, 'aux')], [entry('README.txt', B), entry('readme.TXT', B)])),
    );
    assert.equal(c.code, 'path_collision');
    assert.equal(
      c.message,
      '"readme.TXT" and "README.txt" name the same file on a case-insensitive or Unicode-normalising file system (file names differ only in case or accent encoding); one would overwrite the other',
    );
  });

  test('truncated archive (cut inside a payload)', async () => {
    const whole = signedBundle([payloadOf('a.bin', A)], [entry('a.bin', A)]);
    const dataStart = whole.indexOf(A);
    const c = only(await verifyBytes('cut.flb', whole.subarray(0, dataStart + 700)));
    assert.equal(c.code, 'truncated');
    assert.equal(
      c.message,
      `the bundle is cut short inside "a.bin": ${A.length - 700} of its ${A.length} bytes are missing. Copy the bundle again; the transfer did not finish`,
    );
  });

  test('truncated archive (end marker missing)', async () => {
    const whole = signedBundle([payloadOf('a.bin', A)], [entry('a.bin', A)], { end: false });
    const c = only(await verifyBytes('noend.flb', whole));
    assert.equal(c.code, 'truncated');
    assert.equal(
      c.message,
      `the bundle ends at byte ${whole.length} without the tar end-of-archive marker; the file was cut short. Copy the bundle again`,
    );
  });

  test('a corrupted header fails its checksum', async () => {
    const whole = signedBundle([payloadOf('a.bin', A)], [entry('a.bin', A)]);
    const at = whole.indexOf(A) - 512;
    whole[at + 5] = 0x41;
    const c = only(await verifyBytes('chk.flb', whole));
    assert.equal(c.code, 'tar_malformed');
    assert.equal(c.message, `the header at byte ${at} fails its checksum; the archive is damaged or was altered`);
  });

  test('unsupported entry type (pax global header)', async () => {
    const c = only(
      await verifyBytes(
        'global.flb',
        signedBundle([payloadOf('a.bin', A)], [entry('a.bin', A), entry('g', Buffer.from('11 a=b\n'), { typeflag: 'g' })]),
      ),
    );
    assert.equal(c.code, 'entry_type');
    assert.equal(c.message, '"g" has tar entry type "g", which bundles do not allow (only regular files and folders)');
  });

  test('envelope that is not JSON', async () => {
    const c = only(await verifyBytes('notjson.flb', tarBytes([manifestEntry(Buffer.from('{"payloadType":')), entry('a.bin', A)])));
    assert.equal(c.code, 'envelope_invalid');
    assert.match(
      c.message,
      /^manifest\.dsse\.json is not a valid signed envelope: it is not JSON \(.+\)\. The bundle is damaged or was not made by Fieldline; get a fresh copy$/,
    );
  });

  test('envelope with a foreign payload type', async () => {
    const envelope = { ...envelopeFor(manifestFor([payloadOf('a.bin', A)])), payloadType: 'application/vnd.in-toto+json' };
    const c = only(await verifyBytes('type.flb', tarBytes([manifestEntry(envelope), entry('a.bin', A)])));
    assert.equal(c.code, 'payload_type');
    assert.equal(
      c.message,
      'the envelope carries "application/vnd.in-toto+json", not a Fieldline manifest (application/vnd.fieldline.manifest.v1+json); this file is not a Fieldline bundle or needs a newer Fieldline',
    );
  });

  test('signed manifest that breaks the schema', async () => {
    const bad = { ...manifestFor([payloadOf('a.bin', A)]), version: 'one point oh' };
    const c = only(await verifyBytes('schema.flb', tarBytes([manifestEntry(envelopeFor(bad)), entry('a.bin', A)])));
    assert.equal(c.code, 'manifest_invalid');
    assert.equal(
      c.message,
      'the signed manifest does not follow fieldline.bundle/v1: version: expected a semantic version such as 1.4.2. Rebuild the bundle with a current `fieldline bundle create`',
    );
  });

  test('an empty file and a missing file', async () => {
    const empty = only(await verifyBytes('empty.flb', new Uint8Array(0)));
    assert.equal(empty.code, 'manifest_missing');
    assert.match(empty.message, /empty\.flb is empty; it is not a Fieldline bundle$/);
    const missing = await verifyBundle(`${t.dir}/nope.flb`, demoPolicy(), { now: NOW });
    assert.equal(missing.firstFailure?.code, 'manifest_missing');
    assert.equal(
      missing.firstFailure?.message,
      `Fieldline could not read ${t.dir}/nope.flb: no such file. Check the path and that the file is readable`,
    );
  });

  test('non-zero padding after a payload', async () => {
    const whole = signedBundle([payloadOf('a.bin', A)], [entry('a.bin', A)]);
    whole[whole.indexOf(A) + A.length + 3] = 1;
    const c = only(await verifyBytes('pad.flb', whole));
    assert.equal(c.code, 'tar_malformed');
    assert.equal(c.message, 'the padding after "a.bin" is not zero; the archive was altered after it was written');
  });
});
