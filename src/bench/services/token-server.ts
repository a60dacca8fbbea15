// Bench and test equipment: a Docker token server (distribution token spec) for a real docker-registry in token
// mode. It signs RS256 JWTs with a throwaway key whose certificate the registry trusts; the named user
// gets pull+push, anonymous callers get a token with no access (as Docker Hub does for private repos).
import { createSign, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

export interface TokenServer {
  readonly realm: string;
  readonly certPath: string;
  /** Token requests answered so far. */
  requests: number;
  close(): Promise<void>;
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

function makeCertificate(dir: string): { keyPem: string; certPath: string; certDer: string } {
  const keyPath = join(dir, 'token-key.pem');
  const certPath = join(dir, 'token-cert.pem');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(keyPath, keyPem);
  const result = spawnSync(
    'openssl',
    ['req', '-x509', '-new', '-key', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=microscale-test'],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`openssl could not make a certificate: ${result.stderr}`);
  const certDer = new X509Certificate(readFileSync(certPath, 'utf8')).raw.toString('base64');
  return { keyPem, certPath, certDer };
}

export async function startTokenServer(
  dir: string,
  user: { username: string; password: string },
  service: string,
  issuer: string,
): Promise<TokenServer> {
  const { keyPem, certPath, certDer } = makeCertificate(dir);
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests += 1;
    const url = new URL(req.url ?? '/', 'http://x');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [name, password] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
    if (basic && (name !== user.username || password !== user.password)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"wrong username or password"}');
      return;
    }
    const access = basic
      ? url.searchParams.getAll('scope').map((scope) => {
          const [type, repo, actions] = scope.split(':');
          return { type, name: repo, actions: (actions ?? '').split(',') };
        })
      : [];
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5c: [certDer] }));
    const claims = b64url(
      JSON.stringify({
        iss: issuer,
        aud: service,
        sub: name ?? '',
        iat: now,
        nbf: now - 10,
        exp: now + 300,
        jti: String(Math.random()),
        access,
      }),
    );
    const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(keyPem);
    const jwt = `${header}.${claims}.${b64url(signature)}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: jwt, access_token: jwt, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certPath,
    get requests() {
      return state.requests;
    },
    set requests(value: number) {
      state.requests = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
