import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readBearerProtocol } from './bearer-protocol.js';

const b64 = (s: string) => Buffer.from(s).toString('base64url');

describe('the bearer token subprotocol', () => {
  it('takes the token out of the offer and keeps the others in order', () => {
    assert.deepEqual(readBearerProtocol(`binary.k8s.io, base64url.bearer.authorization.k8s.io.${b64('tok/en+1')}, base64.binary.k8s.io`), {
      token: 'tok/en+1',
      protocols: ['binary.k8s.io', 'base64.binary.k8s.io'],
    });
    // The header may come more than once; it reads as one list.
    assert.deepEqual(readBearerProtocol(['binary.k8s.io', `base64url.bearer.authorization.k8s.io.${b64('t')}`]), { token: 't', protocols: ['binary.k8s.io'] });
  });

  it('leaves an offer without a token alone', () => {
    assert.deepEqual(readBearerProtocol('base64.binary.k8s.io'), { protocols: ['base64.binary.k8s.io'] });
    assert.deepEqual(readBearerProtocol(undefined), { protocols: [] });
  });

  it('refuses two tokens, padding or other alphabets, a token alone', () => {
    const p = 'base64url.bearer.authorization.k8s.io.';
    assert.ok('error' in readBearerProtocol(`x, ${p}${b64('a')}, ${p}${b64('b')}`));
    assert.ok('error' in readBearerProtocol(`x, ${p}YQ==`));
    assert.ok('error' in readBearerProtocol(`x, ${p}a+b/`));
    assert.ok('error' in readBearerProtocol(`x, ${p}${Buffer.from([0xff, 0xfe]).toString('base64url')}`));
    assert.ok('error' in readBearerProtocol(`${p}${b64('a')}`));
  });
});
