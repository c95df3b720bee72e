/**
 * Discovery: find gateways over the LAN and serial, merge them in the registry, explain misses.
 */
export { DeviceRegistry, DEFAULT_LOST_AFTER_MS, pathKey, type RegistryOptions, type Sighting, type SightResult } from './registry.js';
export {
  listInterfaces,
  classifyInterface,
  broadcastAddress,
  inSubnet,
  type NetInterface,
  type InterfaceKind,
  type InterfaceFacts,
} from './interfaces.js';
export { Discovery, DEFAULT_PROBE_INTERVAL_MS, type DiscoveryOptions } from './discovery.js';
export {
  builtinCatalog,
  parseCatalog,
  matchCatalog,
  deviceCatalogSchema,
  NAMED_PORT_BAUD_RATES,
  type DeviceCatalog,
  type CatalogEntry,
} from './catalog.js';
export {
  probeSerialPort,
  selectSerialCandidates,
  DEFAULT_SERIAL_PROBE_TIMEOUT_MS,
  type SerialPortInfo,
  type ProbeCandidate,
  type SerialProbeOutcome,
} from './serial-probe.js';
export { whyNotFound, HINT_CODES, type Observations, type HintCode, type ManualCheckReport } from './why-not-found.js';
export { ManualWatch, DEFAULT_MANUAL_CHECK_TIMEOUT_MS, DEFAULT_MANUAL_CHECK_CONCURRENCY, type ManualWatchOptions } from './manual-watch.js';
export { descriptorFromWire, sightingFromAnnouncement, sightingFromDescriptor } from './descriptor.js';
