import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeKafkaSecurity, kafkajsSecurity, kafkaSecurityFromEnv } from './security.ts';

const dir = mkdtempSync(join(tmpdir(), 'chartwatch-bus-security-'));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const ca = join(dir, 'ca.pem');
const cert = join(dir, 'client.pem');
const key = join(dir, 'client.key');
const passwordFile = join(dir, 'password');
writeFileSync(ca, PEM);
writeFileSync(cert, PEM);
writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
writeFileSync(passwordFile, 's3cret\n');

describe('Kafka transmission security settings', () => {
  it('is plaintext without settings', () => {
    expect(kafkaSecurityFromEnv({})).toEqual({ tls: null, sasl: null });
  });

  it('reads TLS with a CA file and a client certificate, and SCRAM-SHA-512 with a password file', () => {
    const s = kafkaSecurityFromEnv({ KAFKA_TLS_CA_FILE: ca, KAFKA_TLS_CERT_FILE: cert, KAFKA_TLS_KEY_FILE: key, KAFKA_SASL_USERNAME: 'cw', KAFKA_SASL_PASSWORD_FILE: passwordFile });
    expect(s.tls?.ca).toBe(PEM);
    expect(s.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'cw', password: 's3cret' });
    const k = kafkajsSecurity(s);
    expect(k.ssl).toMatchObject({ rejectUnauthorized: true, ca: [PEM], cert: PEM });
    expect(k.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'cw', password: 's3cret' });
    expect(describeKafkaSecurity(s)).toBe('TLS (CA file) + client certificate, SASL SCRAM-SHA-512 as cw');
    expect(describeKafkaSecurity(s)).not.toContain('s3cret');
    expect(kafkaSecurityFromEnv({ KAFKA_TLS: 'true' }).tls).toEqual({ ca: null, cert: null, key: null });
  });

  it.each([
    [{ KAFKA_TLS_CA_FILE: join(dir, 'missing.pem') }, /KAFKA_TLS_CA_FILE: cannot read/],
    [{ KAFKA_TLS_CA_FILE: passwordFile }, /KAFKA_TLS_CA_FILE: expected a PEM file/],
    [{ KAFKA_TLS_CERT_FILE: cert }, /KAFKA_TLS_KEY_FILE/],
    [{ KAFKA_TLS: 'yes' }, /KAFKA_TLS: expected true or false/],
    [{ KAFKA_TLS: 'false', KAFKA_TLS_CA_FILE: ca }, /KAFKA_TLS: is false/],
    [{ KAFKA_SASL_USERNAME: 'cw' }, /KAFKA_SASL_PASSWORD: required/],
    [{ KAFKA_SASL_PASSWORD: 'x' }, /KAFKA_SASL_USERNAME: required/],
    [{ KAFKA_SASL_USERNAME: 'cw', KAFKA_SASL_PASSWORD: 'x', KAFKA_SASL_MECHANISM: 'plain' }, /KAFKA_SASL_MECHANISM: expected one of scram-sha-512, scram-sha-256/],
  ])('refuses %j naming the setting', (env, message) => {
    expect(() => kafkaSecurityFromEnv(env)).toThrow(message);
  });
});
