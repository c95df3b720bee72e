/**
 * electron-builder afterPack hook: flips the fuses of build/fuses.cjs in the packaged Electron
 * binary and fails the build if any did not take. It runs before code signing (electron-builder
 * signs after afterPack), so the signature covers the flipped binary.
 */
'use strict';

const { FUSES, applyFuses, packagedElectronPath } = require('./fuses.cjs');

/** electron-builder's Arch enum: ia32 0, x64 1, armv7l 2, arm64 3, universal 4. */
const ARM64 = 3;

/** @param {{ appOutDir: string; electronPlatformName: string; arch: number; packager: { appInfo: { productFilename: string }; executableName?: string } }} context */
module.exports = async function afterPack(context) {
  const electronPath = packagedElectronPath({
    appOutDir: context.appOutDir,
    electronPlatformName: context.electronPlatformName,
    productFilename: context.packager.appInfo.productFilename,
    executableName: context.packager.executableName ?? context.packager.appInfo.productFilename,
  });
  // An arm64 Mac refuses to run a binary whose ad-hoc signature no longer matches; a real
  // signature replaces it later when a signing identity is configured.
  const resetAdHocDarwinSignature = context.electronPlatformName === 'darwin' && context.arch === ARM64;
  const sentinels = await applyFuses(electronPath, { resetAdHocDarwinSignature });
  const summary = Object.entries(FUSES)
    .map(([name, on]) => `${name}=${on ? 'on' : 'off'}`)
    .join(' ');
  console.log(`  • fuses flipped in ${electronPath} (${sentinels} wire${sentinels === 1 ? '' : 's'}): ${summary}`);
};
