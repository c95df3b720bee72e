/**
 * Data shapes shared by the engine and every UI host.
 *
 * Everything that crosses the UI/engine boundary is plain JSON: bytes travel as lowercase hex.
 */
import { z } from 'zod';

export const hex = z.string().regex(/^(?:[0-9a-f]{2})*$/, 'expected lowercase hex bytes');
export const deviceId = z.string().regex(/^[0-9a-f]{64}$/, 'a device id is 64 lowercase hex digits');

export const tcpPath = z.object({
  transport: z.literal('tcp'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  tls: z.boolean(),
  via: z.enum(['mdns', 'udp', 'manual']),
  iface: z.string().optional(),
});
export const serialPath = z.object({
  transport: z.literal('serial'),
  path: z.string().min(1),
  baudRate: z.number().int().positive(),
  via: z.enum(['probe', 'manual']),
});
const usbId = z.string().regex(/^[0-9a-f]{4}$/, 'a USB vendor or product id is 4 lowercase hex digits');
/** FGP on a vendor-specific bulk interface: which interface and endpoints (bEndpointAddress). */
export const usbBulkInterface = z.object({
  interfaceNumber: z.number().int().min(0).max(255),
  endpointIn: z.number().int().min(0x81).max(0x8f),
  endpointOut: z.number().int().min(0x01).max(0x0f),
});
/**
 * The gateway as a USB device. With `fgp` it is a transport like the others (FGP over the vendor
 * bulk interface); without, it records where the cable is, while the device's CDC-ACM and USB
 * network functions are reached through their serial and tcp paths.
 */
export const usbPath = z.object({
  transport: z.literal('usb'),
  /** Port path as the kernel names it in sysfs, "<bus>-<port>[.<port>...]". */
  busPath: z.string().regex(/^\d+-\d+(?:\.\d+)*$/, 'a USB bus path looks like 1-2.4'),
  vendorId: usbId,
  productId: usbId,
  serial: z.string().optional(),
  fgp: usbBulkInterface.optional(),
  via: z.literal('usb'),
});
export const devicePath = z.discriminatedUnion('transport', [tcpPath, serialPath, usbPath]);

export const slotInfo = z.object({
  name: z.enum(['a', 'b']),
  version: z.string(),
  state: z.enum(['active', 'inactive', 'trial', 'empty']),
});
export const installedModel = z.object({ name: z.string(), version: z.string(), sha256: hex });
export const accelerator = z.object({ kind: z.string(), name: z.string() });

/** The answer to `hello`: everything a gateway says about itself. */
export const deviceDescriptor = z.object({
  protocol: z.number().int(),
  id: deviceId,
  publicKey: hex,
  name: z.string(),
  vendor: z.string(),
  model: z.string(),
  hardwareRevision: z.string(),
  serial: z.string(),
  firmware: z.object({ version: z.string(), activeSlot: z.enum(['a', 'b']) }),
  slots: z.array(slotInfo),
  models: z.array(installedModel),
  accelerators: z.array(accelerator),
  capabilities: z.array(z.string()),
  maxFrame: z.number().int().positive(),
  /** Per bundle kind, the highest security counter the gateway installed; a missing kind means none yet. */
  securityCounters: z
    .object({
      'os-image': z.number().int().nonnegative().optional(),
      firmware: z.number().int().nonnegative().optional(),
      model: z.number().int().nonnegative().optional(),
    })
    .optional(),
  /** The gateway's trusted-time floor (ms since the epoch); absent before its first confirmed install. */
  trustedTime: z.number().int().nonnegative().optional(),
});

export const deviceState = z.enum(['online', 'lost']);

/**
 * What the USB bus says about a gateway plugged in by cable: the catalog's family and mode, what
 * that means for the technician, the next step, and why Fieldline cannot use it yet. A device that
 * cannot speak FGP (boot ROM, bridge with nothing answering) is listed with only this block and a
 * stand-in id (see core/discovery/usb/usb-lane.ts); it is replaced when a hello succeeds.
 */
export const deviceUsb = z.object({
  busPath: z.string(),
  vendorId: usbId,
  productId: usbId,
  manufacturer: z.string().optional(),
  product: z.string().optional(),
  serial: z.string().optional(),
  family: z.string(),
  mode: z.enum(['running', 'usb-device-mode', 'recovery', 'uart-bridge']),
  meaning: z.string(),
  nextStep: z.string(),
  /** Serial ports and network interfaces that live on this USB device. */
  serialPorts: z.array(z.string()),
  networkInterfaces: z.array(z.string()),
  /** Fieldline cannot open the USB device (permission, busy): what happened and the fix. */
  error: z.object({ code: z.enum(['access', 'busy', 'stall', 'gone', 'other']), message: z.string(), fix: z.string() }).optional(),
  /** The FGP hello on the linked serial ports, while no gateway answered there. */
  probe: z
    .object({
      result: z.enum(['pending', 'not-probed', 'no-answer', 'permission-denied', 'busy', 'error']),
      detail: z.string(),
      fix: z.string().optional(),
    })
    .optional(),
  /** False once the cable was pulled: the row stays to say where the gateway went. */
  attached: z.boolean(),
});

/** One gateway as the registry knows it: merged over every path it was seen on. */
export const device = z.object({
  id: deviceId,
  name: z.string(),
  vendor: z.string(),
  model: z.string(),
  serial: z.string(),
  firmware: z.string(),
  paths: z.array(devicePath),
  state: deviceState,
  firstSeen: z.number(),
  lastSeen: z.number(),
  descriptor: deviceDescriptor.optional(),
  authenticated: z.boolean(),
  usb: deviceUsb.optional(),
});

export const deviceChange = z.object({
  /** `removed`: a USB stand-in replaced by the real gateway (or unplugged before it answered). */
  kind: z.enum(['appeared', 'updated', 'lost', 'removed']),
  device,
});

export const interfaceKind = z.enum(['physical', 'virtual', 'loopback', 'namespace-bridge']);
export const interfaceReport = z.object({
  name: z.string(),
  address: z.string(),
  kind: interfaceKind,
  used: z.boolean(),
  mdnsAnswers: z.number().int(),
  udpAnswers: z.number().int(),
  error: z.string().optional(),
  /** Why discovery uses it although it was not chosen, e.g. "USB network interface of <family> at <bus path>". */
  reason: z.string().optional(),
});
export const serialPortReport = z.object({
  path: z.string(),
  reason: z.enum(['catalog', 'named']),
  catalogEntry: z.string().optional(),
  baudRates: z.array(z.number().int()),
  result: z.enum(['pending', 'found', 'no-answer', 'permission-denied', 'busy', 'error']),
  detail: z.string().optional(),
});
export const hint = z.object({ code: z.string(), message: z.string(), fix: z.string() });

/** "Why not found": what discovery tried, what answered, and what to check. */
export const discoveryReport = z.object({
  running: z.boolean(),
  startedAt: z.number().nullable(),
  interfaces: z.array(interfaceReport),
  serialPorts: z.array(serialPortReport),
  devicesFound: z.number().int(),
  hints: z.array(hint),
  /** The USB lane: how many catalog devices are plugged in, or why the bus cannot be read. */
  usb: z.object({ devices: z.number().int(), error: z.string().optional(), replay: z.string().optional() }).optional(),
});

export const profile = z.object({
  name: z.string(),
  organisation: z.string(),
  keyId: hex,
  publicKey: hex,
  createdAt: z.number(),
});

export const authResult = z.object({
  deviceId,
  technician: z.string(),
  role: z.string(),
});

export const appInfo = z.object({
  version: z.string(),
  host: z.enum(['electron', 'web', 'cli']),
  dataDir: z.string(),
});

export type DevicePath = z.infer<typeof devicePath>;
export type TcpPath = z.infer<typeof tcpPath>;
export type SerialPath = z.infer<typeof serialPath>;
export type UsbPath = z.infer<typeof usbPath>;
export type UsbBulkInterface = z.infer<typeof usbBulkInterface>;
export type DeviceUsb = z.infer<typeof deviceUsb>;
export type DeviceDescriptor = z.infer<typeof deviceDescriptor>;
export type Device = z.infer<typeof device>;
export type DeviceState = z.infer<typeof deviceState>;
export type DeviceChange = z.infer<typeof deviceChange>;
export type InterfaceReport = z.infer<typeof interfaceReport>;
export type SerialPortReport = z.infer<typeof serialPortReport>;
export type Hint = z.infer<typeof hint>;
export type DiscoveryReport = z.infer<typeof discoveryReport>;
export type Profile = z.infer<typeof profile>;
export type AuthResult = z.infer<typeof authResult>;
export type AppInfo = z.infer<typeof appInfo>;

// ---- Signed bundles and the trust store (issue #3) ----

export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 is 64 lowercase hex digits');
export const bundleKind = z.enum(['os-image', 'firmware', 'model']);
export const trustRole = z.enum(['image-signer', 'model-signer']);

/** One verification step as the report lists it; `code` is set when it failed or warned. */
export const bundleCheck = z.object({
  id: z.string(),
  status: z.enum(['pass', 'fail', 'warn', 'skip']),
  code: z.string().optional(),
  message: z.string(),
  /** What the check is about when there are several of its kind: a payload path or a key id. */
  subject: z.string().optional(),
});

/** A signature on the manifest and what the trust store made of it. */
export const bundleSigner = z.object({
  keyId: z.string(),
  /** The trusted key's name; null when the key is not in the trust store. */
  name: z.string().nullable(),
  status: z.enum(['valid', 'invalid', 'unknown', 'revoked', 'expired', 'wrong-role', 'duplicate']),
  /** Whether this signature counts towards the threshold. */
  counted: z.boolean(),
  /** Why it does (or does not) count, in a sentence. */
  message: z.string(),
});

export const bundleHardware = z.object({ model: z.string(), revisions: z.array(z.string()) });
export const bundlePayload = z.object({
  path: z.string(),
  size: z.number(),
  sha256: z.string(),
  compression: z.literal('gzip').optional(),
  uncompressed: z.object({ size: z.number(), sha256: z.string() }).optional(),
  target: z.string(),
});
export const tensorSpec = z.object({ name: z.string(), type: z.string(), shape: z.array(z.union([z.number(), z.string()])) });
export const goldenTensor = z.object({ path: z.string(), type: z.string(), shape: z.array(z.union([z.number(), z.string()])) });
export const goldenCase = z.object({
  name: z.string(),
  inputs: z.record(z.string(), goldenTensor),
  expected: z.record(z.string(), goldenTensor),
  tolerance: z.object({ maxAbs: z.number(), maxRel: z.number(), minCosine: z.number().optional(), topK: z.number().optional() }),
});
export const latencyBaseline = z.object({
  hardwareClass: z.string(),
  p50Ms: z.number(),
  p99Ms: z.number(),
  throughputPerSec: z.number().optional(),
  tolerancePct: z.number(),
});

/** The signed manifest (schema 'fieldline.bundle/v1'), as the UI shows it. */
export const bundleManifest = z.object({
  schema: z.string(),
  name: z.string(),
  kind: bundleKind,
  version: z.string(),
  securityCounter: z.number(),
  hardware: z.array(bundleHardware),
  payloads: z.array(bundlePayload),
  created: z.string(),
  expires: z.string(),
  releaseNotes: z.string().optional(),
  model: z
    .object({
      inputs: z.array(tensorSpec),
      outputs: z.array(tensorSpec),
      golden: z.array(goldenCase),
      baselines: z.array(latencyBaseline),
    })
    .optional(),
});

/** One row of the bundle library: enough for the table without the full report. */
export const bundleSummary = z.object({
  /** SHA-256 of the whole .flb file, which is also the library copy's name. */
  id: sha256Hex,
  fileName: z.string(),
  size: z.number().int(),
  kind: bundleKind.nullable(),
  name: z.string().nullable(),
  version: z.string().nullable(),
  importedAt: z.number(),
  verifiedAt: z.number(),
  status: z.enum(['verified', 'refused']),
  /** The first failed check of a refused bundle: the reason sentence and its code. */
  reason: z.object({ code: z.string(), message: z.string() }).nullable(),
  warnings: z.number().int(),
  signers: z.array(bundleSigner),
  hardware: z.array(bundleHardware),
});

export const bundleDetail = z.object({
  bundle: bundleSummary,
  checks: z.array(bundleCheck),
  manifest: bundleManifest.nullable(),
  /** The signed manifest JSON exactly as it was decoded from the envelope; null if unreadable. */
  manifestJson: z.string().nullable(),
});

/**
 * A bundle judged for one gateway (bundles.check): the same report as bundles.get, with the
 * gateway's hardware, security counter and installed version and the laptop clock added. A
 * refused `bundle.status` means this gateway would refuse it, with `bundle.reason` saying why.
 */
export const bundleTargetCheck = bundleDetail.extend({
  deviceId,
  checkedAt: z.number(),
});

export const bundlesChange = z.object({
  reason: z.enum(['imported', 'removed', 'reverified']),
  /** The bundle concerned; null when every bundle was verified again (a trust store change). */
  id: sha256Hex.nullable(),
});

export const trustKey = z.object({
  keyId: sha256Hex,
  publicKey: hex,
  name: z.string(),
  roles: z.array(trustRole),
  source: z.enum(['demo-root', 'imported']),
  addedAt: z.number(),
  expiresAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
  revokedReason: z.string().nullable(),
});

export const trustList = z.object({
  keys: z.array(trustKey),
  /** Signatures required per bundle kind (k of n). */
  thresholds: z.record(bundleKind, z.number().int()),
});

export type BundleKindName = z.infer<typeof bundleKind>;
export type TrustRole = z.infer<typeof trustRole>;
export type BundleCheck = z.infer<typeof bundleCheck>;
export type BundleSigner = z.infer<typeof bundleSigner>;
export type BundleHardware = z.infer<typeof bundleHardware>;
export type BundlePayload = z.infer<typeof bundlePayload>;
export type BundleManifest = z.infer<typeof bundleManifest>;
export type BundleSummary = z.infer<typeof bundleSummary>;
export type BundleDetail = z.infer<typeof bundleDetail>;
export type BundleTargetCheck = z.infer<typeof bundleTargetCheck>;
export type BundlesChange = z.infer<typeof bundlesChange>;
export type TrustKey = z.infer<typeof trustKey>;
export type TrustList = z.infer<typeof trustList>;

// ---- Flash jobs (issue #4) ----

export const flashJobId = z.string().regex(/^[0-9a-f]{32}$/, 'a flash job id is 32 lowercase hex digits');
export const flashStep = z.enum(['preflight', 'transfer', 'verify', 'install', 'activate', 'health', 'confirm', 'rollback', 'done']);
export const flashTargetState = z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled', 'interrupted']);
export const flashJobState = z.enum(['running', 'succeeded', 'failed', 'cancelled', 'interrupted']);
/** After a failure past activation: who put the previous slot back, or that nobody could. */
export const flashRollback = z.enum(['rolled-back', 'rolled-back-by-gateway', 'rollback-failed']);
export const flashStepOutcome = z.enum(['started', 'ok', 'failed', 'skipped', 'cancelled']);

/** One gateway of a flash job, as it stands. */
export const flashTarget = z.object({
  deviceId,
  deviceName: z.string(),
  step: flashStep,
  state: flashTargetState,
  bytesSent: z.number().int().nonnegative(),
  bytesTotal: z.number().int().nonnegative(),
  /** Bytes per second over the last seconds of the transfer; 0 when not transferring. */
  rateBps: z.number().nonnegative(),
  etaSeconds: z.number().nonnegative().nullable(),
  /** Bytes the gateway already held when the last transfer attempt began (a resume when > 0). */
  resumedFrom: z.number().int().nonnegative().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  fromVersion: z.string().nullable(),
  toVersion: z.string().nullable(),
  rollback: flashRollback.nullable(),
  updatedAt: z.number(),
});

export const flashJob = z.object({
  id: flashJobId,
  bundleId: sha256Hex,
  bundleName: z.string().nullable(),
  bundleKind: bundleKind.nullable(),
  bundleVersion: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  parallel: z.number().int().positive(),
  state: flashJobState,
  targets: z.array(flashTarget),
});

export const flashStepRecord = z.object({
  deviceId,
  seq: z.number().int(),
  step: flashStep,
  outcome: flashStepOutcome,
  detail: z.string().nullable(),
  at: z.number(),
});

/** A job with every step each gateway went through (what the audit log records too). */
export const flashJobDetail = flashJob.extend({ steps: z.array(flashStepRecord) });

/** What flashing a bundle would do on one gateway, judged before anything is sent. */
export const flashPlanTarget = z.object({
  deviceId,
  deviceName: z.string(),
  compatible: z.boolean(),
  /** Why not, when not compatible (the first failed check, or why the gateway could not be asked). */
  reason: z.object({ code: z.string(), message: z.string() }).nullable(),
  fromVersion: z.string().nullable(),
  toVersion: z.string().nullable(),
});

export const flashPlan = z.object({
  bundle: bundleSummary,
  targets: z.array(flashPlanTarget),
});

export const flashProgress = z.object({
  jobId: flashJobId,
  jobState: flashJobState,
  target: flashTarget,
});

export const flashReportFormat = z.enum(['json', 'html']);

/** A finished job's record to leave on site: the file's name, type and whole text. */
export const flashExport = z.object({
  jobId: flashJobId,
  format: flashReportFormat,
  fileName: z.string(),
  mediaType: z.string(),
  content: z.string(),
});

export type FlashStep = z.infer<typeof flashStep>;
export type FlashTargetState = z.infer<typeof flashTargetState>;
export type FlashJobState = z.infer<typeof flashJobState>;
export type FlashRollback = z.infer<typeof flashRollback>;
export type FlashStepOutcome = z.infer<typeof flashStepOutcome>;
export type FlashTarget = z.infer<typeof flashTarget>;
export type FlashJob = z.infer<typeof flashJob>;
export type FlashStepRecord = z.infer<typeof flashStepRecord>;
export type FlashJobDetail = z.infer<typeof flashJobDetail>;
export type FlashPlanTarget = z.infer<typeof flashPlanTarget>;
export type FlashPlan = z.infer<typeof flashPlan>;
export type FlashProgress = z.infer<typeof flashProgress>;
export type FlashReportFormat = z.infer<typeof flashReportFormat>;
export type FlashExport = z.infer<typeof flashExport>;

// ---- Benchmarks and diagnostics (issue #5) ----

export const benchRunId = z.string().regex(/^[0-9a-f]{32}$/, 'a benchmark run id is 32 lowercase hex digits');
export const diagnosisId = z.string().regex(/^[0-9a-f]{32}$/, 'a diagnosis id is 32 lowercase hex digits');

/** An installed model: by name and version, or by the SHA-256 of its .onnx file. */
export const benchModelRef = z.union([
  z
    .object({
      name: z.string().trim().min(1, 'give the model name').max(200),
      version: z.string().trim().min(1, 'give the model version').max(100),
    })
    .strict(),
  z.object({ sha256: sha256Hex }).strict(),
]);

/** core/bench/stats.ts LatencyStats; every latency in microseconds. */
export const latencyStats = z.object({
  count: z.number().int(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  stdDev: z.number(),
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  p999: z.number(),
  throughputPerSec: z.number(),
  cv: z.number(),
  outliers: z.number().int(),
});

export const benchVerdict = z.enum(['pass', 'warn', 'fail', 'no-baseline']);

/** The settings a run used, defaults filled in (null threads: the gateway's own choice). */
export const benchSettings = z.object({
  warmup: z.number().int().nonnegative(),
  /** Null for a run of a set duration. */
  iterations: z.number().int().positive().nullable(),
  threads: z.number().int().positive().nullable(),
  durationMs: z.number().int().positive().nullable().optional(),
  /** The provider asked for; absent: the gateway's default (cpu). */
  executionProvider: z.string().optional(),
  profile: z.boolean().optional(),
});

/** One operator of onnxruntime's profile: total time over every run of the loop. */
export const opProfile = z.object({ op: z.string(), name: z.string(), totalUs: z.number(), count: z.number().int() });

/** A stored benchmark run, without its raw samples (bench.list). */
export const benchRun = z.object({
  id: benchRunId,
  deviceId,
  deviceName: z.string(),
  /** The gateway's model ("EdgeBox X1"): the hardware class baselines are given for. */
  hardwareClass: z.string(),
  model: z.object({ name: z.string(), version: z.string(), sha256: hex }),
  settings: benchSettings,
  /** What the gateway reported about the run itself. */
  run: z.object({
    iterations: z.number().int().nonnegative(),
    loadMs: z.number(),
    peakRssBytes: z.number(),
    executionProvider: z.string(),
    providers: z.array(z.string()),
    cancelled: z.boolean(),
    /** Per-operator times, slowest first, when the run asked for a profile. */
    profile: z.array(opProfile).optional(),
  }),
  stats: latencyStats,
  verdict: benchVerdict,
  reasons: z.array(z.string()),
  /** The library bundle whose baseline judged the run; null when none holds this model. */
  baselineBundle: z.object({ id: sha256Hex, label: z.string() }).nullable(),
  createdAt: z.number(),
});

/** A stored run with every per-inference latency (µs), in the order measured. */
export const benchRunDetail = benchRun.extend({ samplesUs: z.array(z.number()) });

export const benchProgress = z.object({
  deviceId,
  /** The gateway's id for the run (the stored run gets its own id when it ends). */
  runId: z.string(),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative().nullable(),
});

export const benchCancelResult = z.object({
  deviceId,
  /** The gateway's id of the run, once it is known (it comes with the first progress event). */
  runId: z.string().nullable(),
  /** True when a run was in progress and has been told to stop. */
  cancelled: z.boolean(),
});

/** A run's report as a file to save: its name, type and whole text (as flash.export). */
export const benchExport = z.object({
  id: benchRunId,
  format: flashReportFormat,
  fileName: z.string(),
  mediaType: z.string(),
  content: z.string(),
});

export const diagnosisVerdict = z.enum(['pass', 'wrong-model', 'drift', 'load-failed', 'not-installed', 'error']);

/** One golden case × output; non-finite errors (shape mismatch, missing output) are null. */
export const outputComparison = z.object({
  case: z.string(),
  output: z.string(),
  ok: z.boolean(),
  maxAbs: z.number().nullable(),
  maxRel: z.number().nullable(),
  cosine: z.number().nullable(),
  topK: z.object({ k: z.number().int(), agree: z.boolean() }).optional(),
  message: z.string(),
});

export const diagnosisRecord = z.object({
  id: diagnosisId,
  deviceId,
  deviceName: z.string(),
  bundleId: sha256Hex,
  bundleLabel: z.string(),
  verdict: diagnosisVerdict,
  ok: z.boolean(),
  explanation: z.string(),
  cases: z.number().int().nonnegative(),
  failedCases: z.number().int().nonnegative(),
  comparisons: z.array(outputComparison),
  bundleModelSha256: hex.nullable(),
  gatewayModelSha256: hex.nullable(),
  notes: z.array(z.string()),
  createdAt: z.number(),
});

export type BenchModelRef = z.infer<typeof benchModelRef>;
export type LatencyStatsShape = z.infer<typeof latencyStats>;
export type BenchVerdict = z.infer<typeof benchVerdict>;
export type BenchSettings = z.infer<typeof benchSettings>;
export type BenchRun = z.infer<typeof benchRun>;
export type BenchRunDetail = z.infer<typeof benchRunDetail>;
export type BenchProgress = z.infer<typeof benchProgress>;
export type DiagnosisVerdictShape = z.infer<typeof diagnosisVerdict>;
export type OutputComparisonShape = z.infer<typeof outputComparison>;
export type DiagnosisRecord = z.infer<typeof diagnosisRecord>;
export type OpProfileShape = z.infer<typeof opProfile>;
export type BenchCancelResult = z.infer<typeof benchCancelResult>;
export type BenchExport = z.infer<typeof benchExport>;

/** Menu and shortcut commands the desktop shell sends to the page (a closed list: nothing else is accepted). */
export const appCommandName = z.enum([
  'view.devices',
  'view.bundles',
  'view.flash',
  'view.bench',
  'view.audit',
  'bundles.import',
  'audit.export',
]);
export const appCommand = z.object({
  command: appCommandName,
  /** bundles.import: the files the shell's own open dialog chose (a page cannot open a file picker unprompted). */
  paths: z.array(z.string().min(1).max(4096)).min(1).max(64).optional(),
});

/** The engine as the desktop shell sees it: running, restarting after a crash (why), or given up on. */
export const engineStatus = z.object({
  state: z.enum(['running', 'restarting', 'failed']),
  /** Why the engine stopped; null while it runs. */
  reason: z.string().nullable(),
  /** Restarts since the app started. */
  restarts: z.number().int().nonnegative(),
  /** Flash jobs the restarted engine resumed by itself. */
  resumedJobs: z.number().int().nonnegative(),
});

/** What `flash.resumeInterrupted` did with the jobs this engine found interrupted when it started. */
export const flashResumeResult = z.object({
  resumed: z.array(flashJobId),
  skipped: z.array(z.object({ jobId: flashJobId, reason: z.string() })),
});

export type AppCommandName = z.infer<typeof appCommandName>;
export type AppCommand = z.infer<typeof appCommand>;
export type EngineStatus = z.infer<typeof engineStatus>;
export type FlashResumeResult = z.infer<typeof flashResumeResult>;

/** How the laptop's keys are protected and whether the engine is waiting for the passphrase. */
export const keyStatus = z.object({
  mode: z.enum(['keychain', 'passphrase', 'file']),
  locked: z.boolean(),
  /** False in passphrase mode until a passphrase has been chosen (first-time set-up). */
  setUp: z.boolean(),
  /** Why this protection, in plain words (e.g. no system keyring); null when nothing to explain. */
  reason: z.string().nullable(),
  message: z.string(),
  /** After wrong passphrases: ms until the next try is accepted. */
  retryAfterMs: z.number().int().nonnegative().nullable(),
  minLength: z.number().int().positive(),
});
export type KeyStatus = z.infer<typeof keyStatus>;
