import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * docker-compose.yml must describe something that can start: every service
 * built from this workspace names a build context and Dockerfile that exist
 * and a chartwatch service whose entry point exists; the infrastructure
 * (Kafka in KRaft mode, ClickHouse) has health checks, and the chartwatch
 * services wait for them to be healthy.
 */

const repo = resolve(import.meta.dirname, '../..');

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> } | string;
  healthcheck?: { test?: unknown };
  depends_on?: Record<string, { condition?: string }> | string[];
  environment?: Record<string, string>;
}

const compose = parse(readFileSync(join(repo, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const built = Object.entries(services).filter(([, s]) => s.build !== undefined);

describe('docker-compose.yml', () => {
  it('runs Kafka in KRaft mode and ClickHouse, both with health checks', () => {
    const kafka = services['kafka'];
    const clickhouse = services['clickhouse'];
    expect(kafka?.image).toMatch(/^apache\/kafka:\d/);
    expect(kafka?.environment?.['KAFKA_PROCESS_ROLES']).toBe('broker,controller');
    expect(kafka?.healthcheck?.test).toBeDefined();
    expect(clickhouse?.image).toMatch(/^clickhouse\/clickhouse-server:\d/);
    expect(clickhouse?.healthcheck?.test).toBeDefined();
  });

  it('builds the four chartwatch services', () => {
    expect(built.map(([name]) => name).sort()).toEqual(['api', 'detector', 'ingest', 'trainer']);
  });

  it.each(built)('%s: its build context, Dockerfile and service entry point exist', (name, service) => {
    const build = typeof service.build === 'string' ? { context: service.build } : service.build!;
    const context = resolve(repo, build.context ?? '.');
    expect(statSync(context).isDirectory(), `${name}: build context ${context}`).toBe(true);
    const dockerfile = resolve(context, build.dockerfile ?? 'Dockerfile');
    expect(existsSync(dockerfile), `${name}: Dockerfile ${dockerfile}`).toBe(true);
    const target = build.args?.['SERVICE'];
    expect(target, `${name}: build arg SERVICE`).toBe(name);
    const dir = join(context, 'services', target!);
    expect(existsSync(join(dir, 'package.json')), `${name}: ${dir}/package.json`).toBe(true);
    expect(existsSync(join(dir, 'src/main.ts')), `${name}: ${dir}/src/main.ts (what the image runs)`).toBe(true);
  });

  it.each(built)('%s: waits for healthy Kafka and ClickHouse and talks to them by service name', (_name, service) => {
    expect(service.depends_on).toEqual({ kafka: { condition: 'service_healthy' }, clickhouse: { condition: 'service_healthy' } });
    expect(service.environment?.['KAFKA_BROKERS']).toBe('kafka:9092');
    expect(service.environment?.['CLICKHOUSE_URL']).toBe('http://clickhouse:8123');
  });

  it('the Dockerfile runs the service its SERVICE argument names', () => {
    const dockerfile = readFileSync(join(repo, 'docker/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG SERVICE$/m);
    expect(dockerfile).toContain('services/${CHARTWATCH_SERVICE}/src/main.ts');
  });
});
