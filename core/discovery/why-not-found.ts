/**
 * "Why not found": from what discovery tried and what answered, the likely causes and the fixes.
 *
 * A pure function of the observations, so every hint is unit-tested and the UI, the CLI and the
 * report all say the same thing.
 */
import type { Hint, InterfaceReport, SerialPortReport } from '../api/schemas.js';

export interface Observations {
  readonly lan: boolean;
  readonly serial: boolean;
  readonly interfaces: readonly InterfaceReport[];
  readonly serialPorts: readonly SerialPortReport[];
  /** How many serial ports the OS listed (matched or not); null when listing failed. */
  readonly serialPortsListed: number | null;
  readonly serialListError?: string | undefined;
  readonly devicesFound: number;
  /**
   * At least one full round of queries has had time to be answered; before that, silence says
   * nothing and "no answer" hints would only flash by.
   */
  readonly settled: boolean;
  /** Gateways added by address over the network, with how their last check went. */
  readonly manual?: readonly ManualCheckReport[] | undefined;
}

/** The last check of one gateway added by address (network paths; serial ones are port reports). */
export interface ManualCheckReport {
  /** host:port as the technician gave it. */
  readonly target: string;
  readonly result: 'pending' | 'answering' | 'no-answer';
  /** Name of the gateway that answered there, when one ever did. */
  readonly name?: string;
  readonly detail?: string;
  readonly fix?: string;
}

export const HINT_CODES = [
  'no-interface',
  'only-virtual-interfaces',
  'interface-error',
  'no-lan-answers',
  'serial-permission-denied',
  'serial-busy',
  'serial-no-answer',
  'serial-error',
  'serial-no-match',
  'serial-no-ports',
  'serial-list-failed',
  'manual-no-answer',
] as const;
export type HintCode = (typeof HINT_CODES)[number];

const DIALOUT_FIX =
  'Add your user to the "dialout" group (sudo usermod -aG dialout $USER), then log out and in again (or run "newgrp dialout").';

function hint(code: HintCode, message: string, fix: string): Hint {
  return { code, message, fix };
}

function names(list: readonly { readonly name: string }[]): string {
  return list.map((i) => i.name).join(', ');
}

function lanHints(o: Observations): Hint[] {
  const out: Hint[] = [];
  const used = o.interfaces.filter((i) => i.used);
  const working = used.filter((i) => i.error === undefined);
  for (const i of used.filter((u) => u.error !== undefined)) {
    out.push(
      hint(
        'interface-error',
        `Discovery could not use ${i.name}${i.address ? ` (${i.address})` : ''}: ${i.error}`,
        'Check that the interface is up and has an IPv4 address, or leave it out of the interface list.',
      ),
    );
  }
  if (working.length === 0) {
    const present = o.interfaces.filter((i) => i.kind !== 'loopback' && i.address !== '');
    let message: string;
    if (used.length > 0) message = `None of the chosen interfaces could be used (${names(used)}).`;
    else if (present.length === 0) message = 'No network interface with an IPv4 address is up.';
    else message = `No usable network interface: ${present.map((i) => `${i.name} ${i.error ?? 'not selected'}`).join(', ')}.`;
    out.push(
      hint('no-interface', message, "Plug in the Ethernet cable or join the gateways' Wi-Fi and wait for an address, then search again."),
    );
    return out;
  }
  const answers = working.reduce((n, i) => n + i.mdnsAnswers + i.udpAnswers, 0);
  if (answers > 0 || !o.settled) return out;
  const lanSide = working.filter((i) => i.kind !== 'loopback');
  if (lanSide.length > 0 && lanSide.every((i) => i.kind === 'virtual' || i.kind === 'namespace-bridge')) {
    out.push(
      hint(
        'only-virtual-interfaces',
        `Only virtual interfaces are up (${names(lanSide)}): these are Docker, VM or container bridges, not the gateways' network.`,
        "Connect the laptop to the gateways' network (Ethernet cable or Wi-Fi); a VM may also need its network in bridged mode.",
      ),
    );
  }
  out.push(
    hint(
      'no-lan-answers',
      `No gateway answered on ${names(working)}: neither mDNS nor the UDP probe got a reply.`,
      'Multicast may be blocked on this network, or the gateway may be on another subnet — try its address directly: Add by address in the app, or fieldline info <ip>',
    ),
  );
  return out;
}

function manualHints(o: Observations): Hint[] {
  const out: Hint[] = [];
  for (const m of o.manual ?? []) {
    if (m.result !== 'no-answer') continue;
    const who = m.name
      ? `${m.name} (added by address at ${m.target}) stopped answering`
      : `The gateway added by address at ${m.target} does not answer`;
    out.push(
      hint(
        'manual-no-answer',
        `${who}: ${m.detail ?? 'no answer'}.`,
        m.fix ??
          'Check that the gateway is powered and its agent running, and that this laptop can still reach its network (VPN, routing, firewall).',
      ),
    );
  }
  return out;
}

/** Hints about ports that were probed; they hold for ports added by address even when scanning is off. */
function portHints(o: Observations): Hint[] {
  const out: Hint[] = [];
  for (const p of o.serialPorts) {
    switch (p.result) {
      case 'permission-denied':
        out.push(hint('serial-permission-denied', `Permission denied on ${p.path}: this user may not open serial ports.`, DIALOUT_FIX));
        break;
      case 'busy':
        out.push(
          hint(
            'serial-busy',
            `${p.path} is in use by another program.`,
            'Close the other program (a serial console such as screen, minicom or PuTTY, or another Fieldline window) and search again.',
          ),
        );
        break;
      case 'no-answer':
        if (p.reason === 'named') {
          out.push(
            hint(
              'serial-no-answer',
              `Nothing answered on ${p.path} at ${p.baudRates.join(', ')} baud.`,
              'Check that the gateway is powered, that the cable carries data (not charge-only), and that the Fieldline agent serves this port.',
            ),
          );
        }
        break;
      case 'error':
        out.push(
          hint(
            'serial-error',
            `Probing ${p.path} failed: ${p.detail ?? 'unknown error'}.`,
            'Check the port name and the cable; the name can change when the adapter is plugged in again.',
          ),
        );
        break;
      case 'found':
      case 'pending':
        break;
    }
  }
  return out;
}

function serialHints(o: Observations): Hint[] {
  const out = portHints(o);
  const foundOnSerial = o.serialPorts.some((p) => p.result === 'found');
  if (foundOnSerial) return out;
  if (o.serialPortsListed === null) {
    out.push(
      hint(
        'serial-list-failed',
        `Serial ports could not be listed${o.serialListError ? `: ${o.serialListError}` : ''}.`,
        'Name the port in Search settings (or fieldline discover --serial /dev/ttyUSB0); on Linux, listing ports needs udevadm from the udev package.',
      ),
    );
  } else if (o.serialPorts.length === 0 && o.serialPortsListed > 0) {
    out.push(
      hint(
        'serial-no-match',
        `${o.serialPortsListed} serial port${o.serialPortsListed === 1 ? '' : 's'} found, but none is a known gateway adapter, so none was probed.`,
        "Name the port in Search settings (or fieldline discover --serial /dev/ttyUSB0), or add the adapter's USB id to the device catalog.",
      ),
    );
  } else if (o.serialPorts.length === 0 && o.serialPortsListed === 0 && o.devicesFound === 0) {
    out.push(
      hint(
        'serial-no-ports',
        'No serial port is present.',
        "Plug in the gateway's console cable; if it is plugged in, try another USB port or cable.",
      ),
    );
  }
  return out;
}

export function whyNotFound(o: Observations): Hint[] {
  return [...(o.lan ? lanHints(o) : []), ...(o.serial ? serialHints(o) : portHints(o)), ...manualHints(o)];
}
