/** The one line the guest prints on the console, shared by the guest check and the host test. */
export const RESULT_PREFIX = 'FIELDLINE_USB_LAB_RESULT ';

export interface LabResult {
  usb: {
    vendorId: string;
    productId: string;
    manufacturer: string | null;
    product: string | null;
    serialNumber: string | null;
    interfaceClasses: number[];
    /** Port path as sysfs names it, and what the USB catalog says the device is. */
    busPath: string;
    family: string | null;
    mode: string | null;
  } | null;
  serial: {
    path: string;
    vendorId: string | null;
    productId: string | null;
    serialNumber: string | null;
    /** How Fieldline's linking tied the port to the USB device. */
    linkedBy: string;
  } | null;
  hello: { id: string; vendor: string; model: string; serial: string; attempts: number } | null;
  /** The id the agent on the gadget side printed when it started. */
  agentId: string | null;
  /** FGP over the FunctionFS bulk interface through the `usb` package (UsbBulkStream). */
  bulk: {
    fgp: { interfaceNumber: number; endpointIn: number; endpointOut: number };
    id: string;
    attempts: number;
    /** A second session after the first closed: the interface was released. */
    reopenedId: string | null;
    stats: Record<string, number>;
    /** After auth: `status` answered, and artifact chunks sent through the bulk transport. */
    transfer: { statusOk: boolean; bytes: number; ms: number; stats: Record<string, number> } | null;
  } | null;
  /** The id the FunctionFS agent printed. */
  usbAgentId: string | null;
  errors: string[];
  timings?: Record<string, number>;
}
