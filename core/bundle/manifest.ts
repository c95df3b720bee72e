/**
 * The bundle manifest (schema 'fieldline.bundle/v1'): what a bundle is, what it may be installed
 * on, and the exact size and SHA-256 of every payload it carries.
 *
 * Objects are strict: a manifest from a newer schema must fail loudly rather than have fields
 * silently ignored by an older verifier.
 */
import { z } from 'zod';
import { checkBundlePath, collisionKey } from './bundle-path.js';

export const MANIFEST_SCHEMA = 'fieldline.bundle/v1';
export const MANIFEST_ENTRY = 'manifest.dsse.json';
/** A manifest is metadata; anything larger is an attack on the verifier's memory. */
export const MAX_MANIFEST_BYTES = 256 * 1024;

export const BUNDLE_KINDS = ['os-image', 'firmware', 'model'] as const;
export type BundleKind = (typeof BUNDLE_KINDS)[number];

export const PAYLOAD_TARGETS = ['slot', 'bootloader', 'model', 'golden', 'aux'] as const;
export type PayloadTarget = (typeof PAYLOAD_TARGETS)[number];

export const TENSOR_TYPES = ['float32', 'float16', 'int8', 'uint8', 'int32', 'int64', 'bool'] as const;
export type TensorType = (typeof TENSOR_TYPES)[number];

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters (a SHA-256)');
const byteSize = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const isoTime = z.iso.datetime({ offset: true });
const shortText = z.string().min(1).max(256);

const tensorSpecSchema = z.strictObject({
  name: shortText,
  type: z.enum(TENSOR_TYPES),
  shape: z.array(z.union([z.number().int().min(-1), shortText])).max(16),
});

const tensorRefSchema = z.strictObject({
  path: z.string(),
  type: z.enum(TENSOR_TYPES),
  shape: z.array(z.number().int().min(0)).max(16),
});

const goldenCaseSchema = z.strictObject({
  name: shortText,
  inputs: z.record(shortText, tensorRefSchema),
  expected: z.record(shortText, tensorRefSchema),
  tolerance: z.strictObject({
    maxAbs: z.number().min(0),
    maxRel: z.number().min(0),
    minCosine: z.number().min(-1).max(1).optional(),
    topK: z.number().int().min(1).optional(),
  }),
});

const latencyBaselineSchema = z.strictObject({
  hardwareClass: shortText,
  p50Ms: z.number().min(0),
  p99Ms: z.number().min(0),
  throughputPerSec: z.number().min(0).optional(),
  tolerancePct: z.number().min(0),
});

const payloadSchema = z.strictObject({
  path: z.string(),
  size: byteSize,
  sha256: sha256Hex,
  compression: z.literal('gzip').optional(),
  uncompressed: z.strictObject({ size: byteSize, sha256: sha256Hex }).optional(),
  target: z.enum(PAYLOAD_TARGETS),
});

export const manifestSchema = z
  .strictObject({
    schema: z.literal(MANIFEST_SCHEMA),
    name: shortText,
    kind: z.enum(BUNDLE_KINDS),
    version: z.string().regex(SEMVER, 'expected a semantic version such as 1.4.2'),
    securityCounter: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    hardware: z
      .array(z.strictObject({ model: shortText, revisions: z.array(shortText).max(256) }))
      .min(1)
      .max(256),
    payloads: z.array(payloadSchema).min(1).max(10_000),
    created: isoTime,
    expires: isoTime,
    releaseNotes: z
      .string()
      .max(64 * 1024)
      .optional(),
    model: z
      .strictObject({
        inputs: z.array(tensorSpecSchema).max(256),
        outputs: z.array(tensorSpecSchema).max(256),
        golden: z.array(goldenCaseSchema).max(256),
        baselines: z.array(latencyBaselineSchema).max(256),
      })
      .optional(),
  })
  .superRefine((m, ctx) => {
    const exact = new Set<string>();
    const folded = new Map<string, string>();
    m.payloads.forEach((p, i) => {
      const problem = p.path === MANIFEST_ENTRY ? { message: `"${MANIFEST_ENTRY}" is reserved for the manifest` } : checkBundlePath(p.path);
      if (problem) ctx.addIssue({ code: 'custom', path: ['payloads', i, 'path'], message: problem.message });
      if (exact.has(p.path)) ctx.addIssue({ code: 'custom', path: ['payloads', i, 'path'], message: `"${p.path}" is listed twice` });
      const key = collisionKey(p.path);
      const other = folded.get(key);
      if (other !== undefined && other !== p.path)
        ctx.addIssue({
          code: 'custom',
          path: ['payloads', i, 'path'],
          message: `"${p.path}" and "${other}" are the same file on a case-insensitive or normalising file system`,
        });
      exact.add(p.path);
      folded.set(key, p.path);
      if ((p.compression === undefined) !== (p.uncompressed === undefined))
        ctx.addIssue({
          code: 'custom',
          path: ['payloads', i],
          message: 'a compressed payload needs both "compression" and "uncompressed" (size and SHA-256 after decompression)',
        });
    });
    if (Date.parse(m.expires) <= Date.parse(m.created))
      ctx.addIssue({ code: 'custom', path: ['expires'], message: 'expires must be later than created' });
    if (m.model && m.kind !== 'model')
      ctx.addIssue({ code: 'custom', path: ['model'], message: 'only a bundle of kind "model" may describe a model' });
    const golden = new Set(m.payloads.filter((p) => p.target === 'golden').map((p) => p.path));
    m.model?.golden.forEach((g, i) => {
      for (const [side, refs] of [
        ['inputs', g.inputs],
        ['expected', g.expected],
      ] as const) {
        for (const [tensor, ref] of Object.entries(refs)) {
          if (!golden.has(ref.path))
            ctx.addIssue({
              code: 'custom',
              path: ['model', 'golden', i, side, tensor, 'path'],
              message: `"${ref.path}" is not a payload with target "golden"`,
            });
        }
      }
    });
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestPayload = Manifest['payloads'][number];
export type TensorSpec = z.infer<typeof tensorSpecSchema>;
export type GoldenCase = z.infer<typeof goldenCaseSchema>;
export type LatencyBaseline = z.infer<typeof latencyBaselineSchema>;
/** What an author writes; create.ts fills in each payload's size and hashes. */
export type ManifestTemplate = Omit<Manifest, 'payloads'>;

export type ManifestResult = { readonly ok: true; readonly manifest: Manifest } | { readonly ok: false; readonly message: string };

/** Parse the signed manifest body; the message names every field that is wrong. */
export function parseManifest(body: Uint8Array | string): ManifestResult {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch (error) {
    return { ok: false, message: `the signed manifest is not JSON (${(error as Error).message})` };
  }
  const parsed = manifestSchema.safeParse(json);
  if (parsed.success) return { ok: true, manifest: parsed.data };
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
  const more = parsed.error.issues.length > 5 ? ` and ${parsed.error.issues.length - 5} more` : '';
  return {
    ok: false,
    message: `the signed manifest does not follow ${MANIFEST_SCHEMA}: ${problems.join('; ')}${more}. Rebuild the bundle with a current \`fieldline bundle create\``,
  };
}

/** The canonical bytes a manifest is signed as (stable key order as written, no whitespace). */
export function encodeManifest(manifest: Manifest): Uint8Array {
  return new Uint8Array(Buffer.from(JSON.stringify(manifest), 'utf8'));
}
