/**
 * Serial transport: FGP frames straight on the line (no TLS; `hello` still proves the device key).
 */
import { SerialPort } from 'serialport';
import { FgpError } from '../protocol/errors.js';

export interface SerialTarget {
  readonly path: string;
  readonly baudRate: number;
}

export function serialOpenError(path: string, err: Error): FgpError {
  const message = err.message;
  if (/permission denied|EACCES/i.test(message)) {
    return new FgpError(
      'permission_denied',
      `Permission denied on ${path}`,
      undefined,
      'Add your user to the "dialout" group (sudo usermod -aG dialout $USER) and log in again.',
    );
  }
  if (/busy|locked|cannot lock port|temporarily unavailable|EBUSY|EAGAIN/i.test(message)) {
    return new FgpError(
      'port_busy',
      `${path} is in use by another program`,
      undefined,
      'Close the other program (a serial console, another Fieldline) and try again.',
    );
  }
  if (/no such file|ENOENT/i.test(message)) {
    return new FgpError(
      'port_missing',
      `${path} does not exist`,
      undefined,
      'Check the cable; the port name can change when it is plugged back in.',
    );
  }
  return new FgpError('serial_failed', `${path}: ${message}`);
}

export function openSerial(target: SerialTarget): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path: target.path, baudRate: target.baudRate, autoOpen: false, hupcl: false, lock: true });
    port.open((err) => (err ? reject(serialOpenError(target.path, err)) : resolve(port)));
  });
}

/** Closes a port and waits, so the next probe or session finds it free. */
export function closeSerial(port: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    port.close(() => resolve());
  });
}
