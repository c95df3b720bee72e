/**
 * The guest's /init (busybox sh). It loads the modules, builds a USB gadget through configfs on
 * dummy_hcd (the gadget and the host side of one real USB bus, both in this kernel) with a
 * CDC-ACM function, and on a second dummy bus a gadget with a FunctionFS vendor bulk interface
 * (mounted at /dev/ffs-fgp; bound once its agent wrote the descriptors), mounts the
 * host's root read-only over virtio 9p and runs the script named by `fl_script=` on the kernel
 * command line inside it (chroot), so the guest uses the host's node, repo and node_modules.
 *
 * Unknown `name=value` kernel parameters reach init as environment variables, hence `fl_*`.
 * Console lines starting `fieldline-lab:` are the init's own; the test reads them for errors.
 */

/** The gadget's USB ids: the Linux Foundation's "Multifunction Composite Gadget" (1d6b:0104). */
export const LAB_VENDOR_ID = '1d6b';
export const LAB_PRODUCT_ID = '0104';
export const LAB_SERIAL = 'FIELDLINE-LAB-0001';
export const LAB_PRODUCT = 'Fieldline USB lab gadget';
/** The second gadget (its own dummy_hcd bus): the FunctionFS vendor bulk interface only. */
export const LAB_BULK_SERIAL = 'FIELDLINE-LAB-BULK-0001';

export function initScript(): string {
  return `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "fieldline-lab: $*"; }
die() { say "FAILED: $*"; reboot -f; sleep 10; }
# Two dummy buses: the ACM gadget binds at once; the FunctionFS one when its agent is ready.
for m in $(cat /modules/order); do
  case $m in *dummy_hcd*) a=num=2;; *) a=;; esac
  insmod /modules/$m $a 2>/dev/null || say "insmod $m failed"
done
mount -t configfs configfs /sys/kernel/config || die "configfs"
G=/sys/kernel/config/usb_gadget/fieldline
mkdir -p $G/strings/0x409 $G/configs/c.1/strings/0x409 || die "gadget dirs"
echo 0x${LAB_VENDOR_ID} > $G/idVendor
echo 0x${LAB_PRODUCT_ID} > $G/idProduct
echo 0x0200 > $G/bcdUSB
echo ${LAB_SERIAL} > $G/strings/0x409/serialnumber
echo Fieldline > $G/strings/0x409/manufacturer
echo "${LAB_PRODUCT}" > $G/strings/0x409/product
echo "FGP over CDC-ACM" > $G/configs/c.1/strings/0x409/configuration
mkdir $G/functions/acm.fgp || die "acm function"
ln -s $G/functions/acm.fgp $G/configs/c.1/
UDC=$(ls /sys/class/udc | head -n 1)
UDC2=$(ls /sys/class/udc | sed -n 2p)
[ -n "$UDC" ] || die "no UDC (dummy_hcd not loaded?)"
echo "$UDC" > $G/UDC || die "bind gadget to $UDC"
n=0; while [ ! -e /dev/ttyACM0 ] && [ $n -lt 200 ]; do sleep 0.1; n=$((n+1)); done
[ -e /dev/ttyACM0 ] || die "the host side never saw the gadget (/dev/ttyACM0 missing)"
say "gadget up on $UDC: /dev/ttyGS0 and /dev/ttyACM0"
B=/sys/kernel/config/usb_gadget/fieldline-bulk
mkdir -p $B/strings/0x409 $B/configs/c.1/strings/0x409 || die "bulk gadget dirs"
echo 0x${LAB_VENDOR_ID} > $B/idVendor
echo 0x${LAB_PRODUCT_ID} > $B/idProduct
echo 0x0200 > $B/bcdUSB
echo ${LAB_BULK_SERIAL} > $B/strings/0x409/serialnumber
echo Fieldline > $B/strings/0x409/manufacturer
echo "${LAB_PRODUCT} (bulk)" > $B/strings/0x409/product
echo "FGP over a FunctionFS bulk interface" > $B/configs/c.1/strings/0x409/configuration
mkdir $B/functions/ffs.fgp || die "ffs function"
ln -s $B/functions/ffs.fgp $B/configs/c.1/
H=/mnt/host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot $H || die "9p mount of the host root"
[ -n "$fl_script" ] && [ -f "$H$fl_script" ] || die "no script: fl_script=$fl_script"
cp "$H$fl_script" /guest.sh
mount -t devtmpfs devtmpfs $H/dev || die "dev"
mount -t proc proc $H/proc
mount -t sysfs sysfs $H/sys
mount -t tmpfs tmpfs $H/run
mkdir -p $H/dev/ffs-fgp
mount -t functionfs fgp $H/dev/ffs-fgp || die "functionfs mount"
# A FunctionFS function binds only once its descriptors are written: the agent does that from
# the chroot (ep1 appears), then the second gadget goes on its bus.
( n=0; while [ ! -e $H/dev/ffs-fgp/ep1 ] && [ $n -lt 300 ]; do sleep 1; n=$((n+1)); done
  if [ -n "$UDC2" ] && echo "$UDC2" > $B/UDC; then say "bulk gadget bound to $UDC2"
  else say "FAILED: bind the bulk gadget to '$UDC2'"; dmesg | tail -n 8 | sed 's/^/fieldline-lab: dmesg: /'; fi ) &
# The guest's TMPDIR: the lab's writable share when the host gives one (it carries the compiled
# check), else a tmpfs. Not on /tmp: the checkout under test may live there (CI clones into
# /tmp), and it must stay visible.
W=/run/fieldline-lab
mkdir -p $H$W
mount -t 9p -o trans=virtio,version=9p2000.L labtmp $H$W 2>/dev/null || mount -t tmpfs tmpfs $H$W
cp /guest.sh $H$W/guest.sh
say "running $fl_script"
chroot $H /usr/bin/env -i SYSTEMD_IGNORE_CHROOT=1 TMPDIR=$W HOME=$W PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/sh $W/guest.sh
say "script exited $?"
reboot -f
`;
}
