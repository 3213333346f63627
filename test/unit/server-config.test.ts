import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config';

describe(loadConfig.name, () => {
  it('has working defaults for an empty environment', () => {
    const config = loadConfig({});

    expect(config).toMatchObject({
      port: 8080,
      dataDir: path.resolve('./data'),
      databaseFile: path.resolve('./data/waymark.db'),
      demo: true,
      basemapStyleUrl: null,
      staticDir: path.resolve('dist/client'),
      session: { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 },
      sync: { maxCatchUpChanges: 10_000 },
      allowedOrigins: [],
      trustProxy: false,
      redisUrl: null,
      databaseUrl: null,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '9090',
      WAYMARK_DATA_DIR: '/var/lib/waymark',
      WAYMARK_DEMO: 'off',
      WAYMARK_BASEMAP_STYLE_URL: 'https://tiles.example.org/style.json',
      WAYMARK_STATIC_DIR: '/srv/waymark/client',
      WAYMARK_SESSION_IDLE_MINUTES: '15',
      WAYMARK_SESSION_ABSOLUTE_HOURS: '8',
      WAYMARK_SYNC_MAX_CHANGES: '500',
      WAYMARK_ALLOWED_ORIGINS: 'https://waymark.example.org/, http://localhost:5173',
      WAYMARK_TRUST_PROXY: 'on',
      WAYMARK_REDIS_URL: 'redis://10.0.0.5:6379',
      WAYMARK_DATABASE_URL: 'postgres://waymark:secret@db.internal:5432/waymark',
    });

    expect(config).toMatchObject({
      port: 9090,
      databaseFile: '/var/lib/waymark/waymark.db',
      demo: false,
      basemapStyleUrl: 'https://tiles.example.org/style.json',
      staticDir: '/srv/waymark/client',
      session: { idleMs: 15 * 60_000, absoluteMs: 8 * 3_600_000 },
      sync: { maxCatchUpChanges: 500 },
      allowedOrigins: ['https://waymark.example.org', 'http://localhost:5173'],
      trustProxy: true,
      redisUrl: 'redis://10.0.0.5:6379',
      databaseUrl: 'postgres://waymark:secret@db.internal:5432/waymark',
    });
  });

  it('keeps the demo on for any value but off', () => {
    expect(loadConfig({ WAYMARK_DEMO: 'on' }).demo).toBe(true);
    expect(loadConfig({ WAYMARK_DEMO: 'off' }).demo).toBe(false);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['WAYMARK_SESSION_IDLE_MINUTES', '-5'],
    ['WAYMARK_SESSION_ABSOLUTE_HOURS', '0'],
    ['WAYMARK_BASEMAP_STYLE_URL', 'not a url'],
    ['WAYMARK_REDIS_URL', 'http://10.0.0.5:6379'],
    ['WAYMARK_BASEMAP_STYLE_URL', 'javascript:alert(1)'],
    ['WAYMARK_SYNC_MAX_CHANGES', '0'],
    ['WAYMARK_ALLOWED_ORIGINS', 'waymark.example.org'],
    ['WAYMARK_TRUST_PROXY', 'yes'],
    ['WAYMARK_DATABASE_URL', 'mysql://db.internal/waymark'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
