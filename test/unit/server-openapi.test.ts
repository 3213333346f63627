import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database';
import { apiV1Routes } from '../../server/http/api-v1.routes';
import { openApiDocument, openApiPath } from '../../server/http/openapi';
import { createRepositories } from '../../server/repositories/repositories';
import { ApiTokenService } from '../../server/services/api-token.service';
import { ApiV1Service } from '../../server/services/api-v1.service';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every `$ref` anywhere in a value. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

/** The routes an Express router really serves, as "METHOD /path". */
function servedRoutes(): string[] {
  const db = openDatabase(':memory:');
  const repos = createRepositories(db);
  const router = apiV1Routes({ tokens: new ApiTokenService(repos), reads: new ApiV1Service(repos) });
  const served: string[] = [];
  for (const layer of router.stack) {
    const route = (layer as { route?: { path: string; methods: Record<string, boolean> } }).route;
    if (!route) continue;
    for (const [method, on] of Object.entries(route.methods)) if (on) served.push(`${method.toUpperCase()} ${openApiPath(route.path)}`);
  }
  db.close();
  return served;
}

describe('openApiDocument', () => {
  const doc = openApiDocument() as Json;

  it('is an OpenAPI 3.1 document in structure', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const info = doc.info as Json;
    expect(typeof info.title).toBe('string');
    expect(typeof info.version).toBe('string');
    expect(isObject(doc.paths)).toBe(true);
    const components = doc.components as Json;
    const schemas = components.schemas as Json;
    const schemes = components.securitySchemes as Json;
    expect(schemes.bearerToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    const operationIds = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      expect(path.startsWith('/')).toBe(true);
      expect(isObject(item)).toBe(true);
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item as Json)) {
        expect(METHODS).toContain(method);
        const operation = op as Json;
        expect(typeof operation.operationId).toBe('string');
        expect(operationIds.has(operation.operationId as string)).toBe(false);
        operationIds.add(operation.operationId as string);
        const responses = operation.responses as Json;
        expect(Object.keys(responses).some((code) => /^2\d\d$/.test(code))).toBe(true);
        for (const [code, response] of Object.entries(responses)) {
          expect(code).toMatch(/^[1-5]\d\d$/);
          expect(typeof (response as Json).description).toBe('string');
        }
        const parameters = (operation.parameters ?? []) as Json[];
        for (const p of parameters) {
          expect(['query', 'path', 'header', 'cookie']).toContain(p.in);
          expect(isObject(p.schema)).toBe(true);
          if (p.in === 'path') expect(p.required).toBe(true);
        }
        // Every {param} of the path is declared, and nothing else is declared "in: path".
        expect(
          parameters
            .filter((p) => p.in === 'path')
            .map((p) => p.name)
            .sort(),
        ).toEqual([...templated].sort());
        for (const requirement of (operation.security ?? []) as Json[]) {
          for (const name of Object.keys(requirement)) expect(schemes[name]).toBeDefined();
        }
      }
    }
    // Every reference resolves inside the document.
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(10);
    for (const ref of all) {
      expect(ref.startsWith('#/components/schemas/')).toBe(true);
      expect(schemas[ref.slice('#/components/schemas/'.length)], ref).toBeDefined();
    }
  });

  it('describes every route the router serves, and nothing it does not', () => {
    const served = servedRoutes();
    const described = Object.entries(doc.paths as Json).flatMap(([path, item]) => Object.keys(item as Json).map((m) => `${m.toUpperCase()} ${path}`));
    expect(served.length).toBeGreaterThanOrEqual(5);
    expect(new Set(described)).toEqual(new Set(served));
  });

  it('is generated from the shared schemas (the group carries its protection fields and statuses)', () => {
    const schemas = (doc.components as Json).schemas as Record<string, Json>;
    const group = schemas.Group!;
    expect(Object.keys(group.properties as Json)).toEqual(expect.arrayContaining(['consentConsulate', 'protectionConcern', 'assignments', 'location']));
    expect(JSON.stringify(schemas.ApiGroup)).toContain('#/components/schemas/GroupReduced');
  });
});
