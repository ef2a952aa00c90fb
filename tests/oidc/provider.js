// A real OpenID Connect provider for the single sign-on tests: oauth2-mock-server, which
// scripts/install-deps.sh --test puts into target/test-node (the test sets NODE_PATH).
// It listens on 127.0.0.1 on a free port and prints its issuer URL as its first line.
//
// Its discovery, keys (RS256), authorization endpoint (PKCE S256, state, nonce) and token
// endpoint are the package's own. What the ID token says about the person is set by the
// test through POST /_test/profile (JSON): the claims to add (sub, email, email_verified,
// name), and how to spoil the token: `audience` (another aud), `nonce` (another nonce),
// `expired` (true: issued two hours ago, expired one hour ago).
'use strict';

const { OAuth2Server } = require('oauth2-mock-server');

async function main() {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  let profile = { sub: 'nobody' };

  server.service.on('beforeTokenSigning', (token, req) => {
    // Only the ID token of a code exchange: it is the token with an audience.
    if (req.body.grant_type !== 'authorization_code' || token.payload.aud === undefined) {
      return;
    }
    const { audience, nonce, expired, ...claims } = profile;
    Object.assign(token.payload, claims);
    if (audience !== undefined) token.payload.aud = audience;
    if (nonce !== undefined) token.payload.nonce = nonce;
    if (expired) {
      const now = Math.floor(Date.now() / 1000);
      token.payload.iat = now - 7200;
      token.payload.nbf = now - 7200;
      token.payload.exp = now - 3600;
    }
  });

  server.service.requestHandler.post('/_test/profile', (req, res) => {
    profile = req.body;
    res.json({ ok: true });
  });

  await server.start(0, '127.0.0.1');
  // An address, not "localhost": Hopper reaches the provider where it listens.
  server.issuer.url = `http://127.0.0.1:${server.address().port}`;
  process.stdout.write(`${server.issuer.url}\n`);

  const stop = () => server.stop().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The test's end closes our stdin: stop with it, whatever happened to the test.
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main().catch((error) => {
  process.stderr.write(`oidc provider: ${error.stack || error}\n`);
  process.exit(1);
});
