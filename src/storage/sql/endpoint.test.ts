// Endpoint parsing needs no server: K3s's forms, defaults, and the masked label.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkEndpoint, redactEndpoint } from '../open.js';
import { endpointLabel } from './endpoint.js';
import { parseMysqlEndpoint } from './parse-endpoint.js';
import { parsePostgresEndpoint } from './parse-endpoint.js';

describe('sql endpoints', () => {
  it('parses K3s postgres URLs, percent-decoding user and password', () => {
    assert.deepEqual(parsePostgresEndpoint('k3s:p%40ss%2Fw@db.example:5433/k3s?sslmode=disable'), {
      host: 'db.example', port: 5433, user: 'k3s', password: 'p@ss/w', database: 'k3s', tls: undefined,
    });
    const d = parsePostgresEndpoint('u:pw@10.0.0.1');
    assert.equal(d.port, 5432);
    assert.equal(d.database, 'kubernetes');
    assert.deepEqual(parsePostgresEndpoint('u@[::1]:5432/x?sslmode=require').tls, { rejectUnauthorized: false });
    assert.equal(parsePostgresEndpoint('u@[::1]:5432/x').host, '::1');
    assert.throws(() => parsePostgresEndpoint('u@h/x?sslmode=bogus'), /sslmode/);
  });

  it('parses Go DSN mysql forms: tcp(), unix(), bare host, no credentials', () => {
    assert.deepEqual(parseMysqlEndpoint('root:p@ss:w@tcp(192.168.1.5:3307)/k3s'), {
      user: 'root', password: 'p@ss:w', database: 'k3s', tls: undefined, host: '192.168.1.5', port: 3307,
    });
    assert.deepEqual(parseMysqlEndpoint('u:pw@unix(/run/mysqld/mysqld.sock)/db'), {
      user: 'u', password: 'pw', database: 'db', tls: undefined, socketPath: '/run/mysqld/mysqld.sock',
    });
    const bare = parseMysqlEndpoint('u:pw@db:3306/');
    assert.equal(bare.host, 'db');
    assert.equal(bare.database, 'kubernetes');
    const none = parseMysqlEndpoint('tcp(127.0.0.1)/x?tls=skip-verify');
    assert.equal(none.user, undefined);
    assert.equal(none.port, 3306);
    assert.deepEqual(none.tls, { rejectUnauthorized: false });
    assert.equal(parseMysqlEndpoint('u:pw@tcp([::1]:3306)/x').host, '::1');
    assert.throws(() => parseMysqlEndpoint('u:pw@tcp(h:1)'), /no \/database/);
    assert.throws(() => parseMysqlEndpoint('u:pw@udp(h:1)/x'), /malformed/);
  });

  it('never shows the password in a label', () => {
    assert.equal(endpointLabel('postgres', parsePostgresEndpoint('k3s:s3cret@h:5432/db')), 'postgres://k3s:***@h:5432/db');
    assert.equal(endpointLabel('mysql', parseMysqlEndpoint('k3s:s3cret@tcp(h:3306)/db')), 'mysql://k3s:***@h:3306/db');
  });

  it('redacts whole endpoints for process titles and logs', () => {
    assert.equal(redactEndpoint('postgres://k3s:s3cret@h:5432/db?sslmode=disable'), 'postgres://k3s:***@h:5432/db?sslmode=disable');
    assert.equal(redactEndpoint('mysql://root:p@ss/w@tcp(h:3306)/k3s'), 'mysql://root:***@tcp(h:3306)/k3s');
    assert.equal(redactEndpoint('mysql://root:p@ss@tcp(h:3306)/k3s'), 'mysql://root:***@tcp(h:3306)/k3s');
    assert.equal(redactEndpoint('postgres://k3s@h/db'), 'postgres://k3s@h/db');
    assert.equal(redactEndpoint('sqlite:///var/lib/k3ts/state.db'), 'sqlite:///var/lib/k3ts/state.db');
    assert.equal(redactEndpoint('/var/lib/state.db'), '/var/lib/state.db');
  });

  it('accepts the schemes in configuration checks', () => {
    for (const e of ['postgres://u:p@h/db', 'postgresql://u:p@h/db', 'mysql://u:p@tcp(h:3306)/db']) checkEndpoint(e);
    assert.throws(() => checkEndpoint('etcd://h:2379'), /supported: .*postgres.*mysql/);
    assert.throws(() => checkEndpoint('mysql://u:secret@tcp(h:3306)'), (err: Error) => /no \/database/.test(err.message) && !err.message.includes('secret'));
    assert.throws(() => checkEndpoint('postgres://u:secret@h/db?sslmode=x'), (err: Error) => !err.message.includes('secret'));
  });
});
