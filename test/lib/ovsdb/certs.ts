// Throwaway PKI for the ssl: tests, made with the openssl CLI: a CA, a server and a client
// certificate signed by it, and a second CA that signed nothing of ours (the "wrong CA").
import {execFileSync} from 'node:child_process'
import {join} from 'node:path'

export interface TestPki {
  caCert: string
  otherCaCert: string
  serverKey: string
  serverCert: string
  clientKey: string
  clientCert: string
  /** A client certificate signed by the other CA: the server must refuse it. */
  rogueKey: string
  rogueCert: string
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, {cwd: dir, stdio: 'pipe'})
}

function makeCa(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  ])
}

function makeLeaf(dir: string, name: string, ca: string): void {
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${name}`,
  ])
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
  ])
}

export function makePki(dir: string): TestPki {
  makeCa(dir, 'test-ca')
  makeCa(dir, 'other-ca')
  makeLeaf(dir, 'server', 'test-ca')
  makeLeaf(dir, 'client', 'test-ca')
  makeLeaf(dir, 'rogue', 'other-ca')
  return {
    caCert: join(dir, 'test-ca.pem'),
    otherCaCert: join(dir, 'other-ca.pem'),
    serverKey: join(dir, 'server.key'),
    serverCert: join(dir, 'server.pem'),
    clientKey: join(dir, 'client.key'),
    clientCert: join(dir, 'client.pem'),
    rogueKey: join(dir, 'rogue.key'),
    rogueCert: join(dir, 'rogue.pem'),
  }
}
