// The TLS settings of every listener k3ts serves: TLS 1.2 at least, and for TLS 1.2 only forward-
// secret AEAD suites (ECDHE with AES-GCM or ChaCha20-Poly1305), the set CIS benchmarks and
// kube-apiserver's --tls-cipher-suites hardening advice leave. TLS 1.3's suites are all AEAD.
export const tlsProfile = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  honorCipherOrder: true,
} as const;
