/**
 * A self-signed TLS certificate whose key IS the device's Ed25519 key.
 *
 * Binding the certificate to the device key means the fingerprint a client pins for TLS and the
 * device id it sees in `hello` are the same value: there is nothing separate to keep in sync.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import type { Ed25519Identity } from '../protocol/identity.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface TlsCredentials {
  readonly cert: string;
  readonly key: string;
}

export async function selfSignedCertificate(identity: Ed25519Identity, commonName: string): Promise<TlsCredentials> {
  const alg = { name: 'Ed25519' };
  const pkcs8 = identity.privateKey.export({ format: 'der', type: 'pkcs8' });
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(identity.publicKey)]);
  const keys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', spki, alg, true, ['verify']),
  };
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: identity.id.slice(0, 16),
    name: `CN=${commonName.replace(/[,=+<>#;\\"]/g, '_')}`,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    // Gateways often boot with a wrong clock; validity is not what we trust, the pinned key is.
    notAfter: new Date('2099-12-31T23:59:59Z'),
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
    signingAlgorithm: alg,
  });
  return { cert: cert.toString('pem'), key: identity.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
}
