/**
 * Replays a bus that was recorded, not composed: lab-recorded-gadgets.json is what `fieldline usb
 * record` wrote inside the virtual USB lab's guest (QEMU, Debian's kernel, dummy_hcd, two configfs
 * gadgets; its `source` says exactly which). Discovery over the replay must see what the lab saw
 * live: the FunctionFS gadget as the reference gateway with its FGP bulk interface, the ACM gadget
 * as a plain Linux gadget tied to /dev/ttyACM0 through the recorded sysfs link.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { linkNetworkInterfaces, linkSerialPorts } from '../../core/discovery/usb/link.js';
import { readUsbRecording, ReplayUsbAdapter } from '../../core/discovery/usb/replay-adapter.js';
import { mergeUsbCatalogs, shippedUsbCatalog } from '../../core/discovery/usb/usb-catalog.js';
import { UsbEnumerator, type UsbDeviceRecord } from '../../core/discovery/usb/usb-enumerator.js';
import { LAB_BULK_SERIAL, LAB_PRODUCT, LAB_PRODUCT_ID, LAB_SERIAL, LAB_VENDOR_ID } from '../helpers/usb-lab/init-script.js';

const file = join(import.meta.dirname, '..', 'fixtures', 'usb', 'lab-recorded-gadgets.json');
const catalog = mergeUsbCatalogs(shippedUsbCatalog(), []);

async function replay(): Promise<{ adapter: ReplayUsbAdapter; devices: readonly UsbDeviceRecord[] }> {
  const adapter = ReplayUsbAdapter.fromFiles([file]);
  const listed = await new UsbEnumerator(adapter, catalog).list();
  assert.ok(listed.ok, 'the recorded bus lists');
  return { adapter, devices: listed.devices };
}

const bySerial = (devices: readonly UsbDeviceRecord[], serial: string): UsbDeviceRecord => {
  const found = devices.find((d) => d.serial === serial);
  assert.ok(found, `a device with serial ${serial} among ${devices.map((d) => d.serial ?? d.busPath).join(', ')}`);
  return found;
};

describe('replaying the bus the virtual USB lab recorded', () => {
  test('the recording says where it came from and how to make it again', () => {
    const recording = readUsbRecording(file);
    assert.match(recording.source, /^fieldline usb record on linux at \d{4}-\d\d-\d\dT[\d:.]+Z: the Fieldline virtual USB lab/);
    assert.match(recording.source, /QEMU emulator version \d+\.\d+\.\d+/);
    assert.match(recording.source, /guest kernel Linux 6\.1\.0-\d+-amd64/);
    assert.match(recording.source, /dummy_hcd/);
    assert.match(recording.source, /configfs gadget/);
    assert.match(recording.description ?? '', /FIELDLINE_USB_LAB_RECORD=/);
    assert.deepEqual(recording.events, [], 'one moment of the bus, no hot-plug');
    assert.deepEqual(recording.access, {}, 'both gadgets opened without an error');
  });

  test('the FunctionFS gadget is the reference gateway, running, with its FGP bulk interface and endpoints resolved', async () => {
    const { devices } = await replay();
    assert.equal(devices.length, 2, 'the two gadgets; dummy_hcd root hubs are not devices');
    const bulk = bySerial(devices, LAB_BULK_SERIAL);
    assert.equal(bulk.vendorId, LAB_VENDOR_ID);
    assert.equal(bulk.productId, LAB_PRODUCT_ID);
    assert.equal(bulk.product, `${LAB_PRODUCT} (bulk)`);
    assert.equal(bulk.catalog?.entryId, 'fieldline-reference-gadget');
    assert.equal(bulk.catalog?.mode, 'running');
    // As the kernel's FunctionFS numbered them for the descriptors the agent wrote (the lab's
    // bulk transfers used these same endpoints).
    assert.deepEqual(bulk.fgp, { interfaceNumber: 0, endpointIn: 0x81, endpointOut: 0x02 });
    assert.equal(bulk.error, undefined);
  });

  test('the ACM gadget is a plain Linux gadget, linked to /dev/ttyACM0 by its recorded sysfs path', async () => {
    const { adapter, devices } = await replay();
    const acm = bySerial(devices, LAB_SERIAL);
    assert.equal(acm.product, LAB_PRODUCT);
    assert.equal(acm.catalog?.entryId, 'linux-gadget-composite', 'same ids, no vendor interface: not the reference gateway');
    assert.equal(acm.fgp, undefined);
    assert.deepEqual(
      acm.interfaces.map((i) => [i.class, i.subclass, i.protocol]),
      [
        [2, 2, 1],
        [10, 0, 0],
      ],
      'CDC-ACM: communications + data',
    );

    const linking = linkSerialPorts(devices, adapter.serialPorts(), adapter.sysfs());
    // Both gadgets are 1d6b:0104: the sysfs path, not the ids, says which one the tty is.
    assert.deepEqual(linking.links.get(acm.busPath), [{ path: '/dev/ttyACM0', by: 'bus-path', interfaceNumber: 0 }]);
    assert.deepEqual(linking.unlinked, []);
    const bulk = bySerial(devices, LAB_BULK_SERIAL);
    assert.equal(linking.links.get(bulk.busPath), undefined, 'the bulk gadget has no tty');
    // The guest's 8250 UARTs are listed but belong to no USB device.
    const linked = [...linking.links.values()].flat().map((l) => l.path);
    assert.ok(!linked.some((p) => p.startsWith('/dev/ttyS')), `only the ACM tty is linked: ${linked.join(', ')}`);
    assert.equal(linkNetworkInterfaces(devices, adapter.sysfs()).size, 0, 'no network functions in these gadgets');
  });
});
