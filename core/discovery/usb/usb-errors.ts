/**
 * What a USB error means for the technician, and what to do about it.
 *
 * The `usb` package (node-usb-rs, on nusb) reports OS errors ("Permission denied (os error 13)");
 * libusb-based stacks report LIBUSB_ERROR_* names or negative codes. Both map to the same reasons.
 */
export type UsbErrorCode = 'access' | 'busy' | 'stall' | 'gone' | 'other';

export interface UsbAccessError {
  readonly code: UsbErrorCode;
  /** What happened, in the technician's words. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
}

/** The udev rule that lets the logged-in user open devices of this vendor without root. */
export function udevRuleFor(vendorId: string): string {
  return `SUBSYSTEM=="usb", ATTRS{idVendor}=="${vendorId}", MODE="0660", TAG+="uaccess"`;
}

const PATTERNS: readonly { code: UsbErrorCode; names: readonly string[]; libusb: readonly number[]; text: RegExp }[] = [
  {
    code: 'access',
    names: ['LIBUSB_ERROR_ACCESS', 'EACCES', 'EPERM'],
    libusb: [-3],
    text: /permission denied|access denied|os error (13|1)\b/i,
  },
  { code: 'busy', names: ['LIBUSB_ERROR_BUSY', 'EBUSY'], libusb: [-6], text: /resource busy|device busy|os error 16\b|already claimed/i },
  { code: 'stall', names: ['LIBUSB_ERROR_PIPE', 'EPIPE'], libusb: [-9], text: /pipe|stall|os error 32\b/i },
  {
    code: 'gone',
    names: ['LIBUSB_ERROR_NOT_FOUND', 'LIBUSB_ERROR_NO_DEVICE', 'ENODEV', 'ENOENT'],
    libusb: [-4, -5],
    text: /no such device|not found|disconnected|os error (19|2)\b/i,
  },
];

function field(err: unknown, key: string): unknown {
  return typeof err === 'object' && err !== null && key in err ? (err as Record<string, unknown>)[key] : undefined;
}

export function classifyUsbError(err: unknown): UsbErrorCode {
  const code = field(err, 'code');
  const errno = field(err, 'errno');
  const message = err instanceof Error ? err.message : String(field(err, 'message') ?? err);
  for (const p of PATTERNS) {
    if (typeof code === 'string' && p.names.includes(code)) return p.code;
    if (typeof errno === 'number' && p.libusb.includes(errno)) return p.code;
    if (p.names.some((n) => message.includes(n)) || p.text.test(message)) return p.code;
  }
  return 'other';
}

/** A device-level error as the technician should read it. */
export function describeUsbError(err: unknown, device: { readonly vendorId: string; readonly productId: string }): UsbAccessError {
  const id = `${device.vendorId}:${device.productId}`;
  const raw = err instanceof Error ? err.message : String(field(err, 'message') ?? err);
  const code = classifyUsbError(err);
  switch (code) {
    case 'access':
      return {
        code,
        message: `no permission to open USB device ${id}`,
        fix: `add a udev rule: put ${udevRuleFor(device.vendorId)} into /etc/udev/rules.d/70-fieldline.rules, run "sudo udevadm control --reload-rules && sudo udevadm trigger", then unplug and replug the device`,
      };
    case 'busy':
      return {
        code,
        message: `USB device ${id} is in use by another program or a kernel driver`,
        fix: 'close the other program (flash tool, serial console, another Fieldline window) and try again',
      };
    case 'stall':
      return {
        code,
        message: `USB device ${id} stalled the request (endpoint halted)`,
        fix: 'unplug and replug the device; if it keeps stalling, power-cycle the gateway',
      };
    case 'gone':
      return { code, message: `USB device ${id} disappeared while Fieldline was opening it`, fix: 'check the cable and plug it in again' };
    case 'other':
      return {
        code,
        message: `USB device ${id} could not be opened: ${raw}`,
        fix: 'unplug and replug the device; try another cable or port',
      };
  }
}
