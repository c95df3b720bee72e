/**
 * electron-builder afterSign hook: notarises the signed macOS app with Apple, but only when the
 * signer's credentials are in the environment; otherwise it logs that it skipped. Builds on
 * other platforms, and unsigned local builds, pass straight through.
 *
 * Credentials, one complete set (as @electron/notarize and electron-builder name them):
 *   APPLE_ID + APPLE_APP_SPECIFIC_PASSWORD + APPLE_TEAM_ID      (Apple ID)
 *   APPLE_API_KEY + APPLE_API_KEY_ID + APPLE_API_ISSUER         (App Store Connect API key)
 *   APPLE_KEYCHAIN_PROFILE [+ APPLE_KEYCHAIN]                   (notarytool keychain profile)
 * A set given only in part fails the build: a release meant to be notarised must not ship
 * without it by accident.
 */
'use strict';

const path = require('node:path');

const SETS = [
  { kind: 'apple-id', vars: ['APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'] },
  { kind: 'api-key', vars: ['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER'] },
  { kind: 'keychain-profile', vars: ['APPLE_KEYCHAIN_PROFILE'] },
];

const present = (env, name) => typeof env[name] === 'string' && env[name].trim() !== '';

/**
 * What to do for this build: `{ action: 'skip', reason }`, `{ action: 'fail', reason }` or
 * `{ action: 'notarize', kind, options }` with the @electron/notarize options minus appPath.
 */
function notarizeDecision(platform, env) {
  if (platform !== 'darwin') return { action: 'skip', reason: `not a macOS build (${platform})` };
  const complete = SETS.find((set) => set.vars.every((name) => present(env, name)));
  if (complete === undefined) {
    const partial = SETS.map((set) => ({ set, have: set.vars.filter((name) => present(env, name)) })).find(({ have }) => have.length > 0);
    if (partial !== undefined) {
      const missing = partial.set.vars.filter((name) => !present(env, name));
      return {
        action: 'fail',
        reason: `notarisation credentials incomplete: ${partial.have.join(', ')} set but ${missing.join(', ')} missing`,
      };
    }
    return { action: 'skip', reason: 'no notarisation credentials in the environment (APPLE_ID, APPLE_API_KEY or APPLE_KEYCHAIN_PROFILE)' };
  }
  switch (complete.kind) {
    case 'apple-id':
      return {
        action: 'notarize',
        kind: complete.kind,
        options: { appleId: env.APPLE_ID, appleIdPassword: env.APPLE_APP_SPECIFIC_PASSWORD, teamId: env.APPLE_TEAM_ID },
      };
    case 'api-key':
      return {
        action: 'notarize',
        kind: complete.kind,
        options: { appleApiKey: env.APPLE_API_KEY, appleApiKeyId: env.APPLE_API_KEY_ID, appleApiIssuer: env.APPLE_API_ISSUER },
      };
    default:
      return {
        action: 'notarize',
        kind: complete.kind,
        options: {
          keychainProfile: env.APPLE_KEYCHAIN_PROFILE,
          ...(present(env, 'APPLE_KEYCHAIN') ? { keychain: env.APPLE_KEYCHAIN } : {}),
        },
      };
  }
}

/** @param {{ appOutDir: string; electronPlatformName: string; packager: { appInfo: { productFilename: string } } }} context */
async function afterSign(context) {
  const decision = notarizeDecision(context.electronPlatformName, process.env);
  if (decision.action === 'skip') {
    console.log(`  • notarisation skipped: ${decision.reason}`);
    return;
  }
  if (decision.action === 'fail') throw new Error(decision.reason);
  const appPath = path.join(context.appOutDir, `${context.packager.appInfo.productFilename}.app`);
  // Loaded only here: it is electron-builder's dependency and only needed on a signing Mac.
  const { notarize } = require('@electron/notarize');
  console.log(`  • notarising ${appPath} (${decision.kind}); this waits for Apple`);
  await notarize({ appPath, ...decision.options });
  console.log(`  • notarised ${appPath}`);
}

module.exports = afterSign;
module.exports.notarizeDecision = notarizeDecision;
