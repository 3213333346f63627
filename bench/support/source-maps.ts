/**
 * Names the functions of a profile of the client build by their sources: "applyGroups
 * client/lib/map/GroupMap.svelte:594" rather than "Ce index-BvWwshk0.js:884:62183". The build the
 * bench serves has no source maps (production does not ship them), so the client is built again
 * with them into a temporary folder. Vite names a file by a hash of its code, not of the map
 * comment, so a file of both builds with the same name holds the same code; a file of the served
 * build with no such twin (a stale `dist/client`) keeps its minified position. Node's own
 * `module.SourceMap` reads the maps.
 */
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { CLIENT_BUILD } from './coordinator-page';
import { frameKey, type ProfileNode } from './cpu-profile';

/** A frame of a profile, named by its source where a map knows it. */
export type FrameNamer = (frame: ProfileNode['callFrame']) => string;

/**
 * Builds the client with source maps (about a minute) and returns a namer for frames of the served
 * build, and which of its scripts it could map. Minified positions for everything else.
 */
export async function clientSourceMaps(): Promise<{ name: FrameNamer; mapped: string[] }> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-sourcemaps-'));
  try {
    // The project's own Vite config, in this process: only the output folder and the maps differ.
    await build({ configFile: path.resolve('vite.config.ts'), logLevel: 'error', build: { sourcemap: true, outDir, emptyOutDir: true } });
    const maps = new Map<string, SourceMap>();
    const assets = path.join(outDir, 'assets');
    for (const file of fs.readdirSync(assets).filter((f) => f.endsWith('.js'))) {
      if (!fs.existsSync(path.join(CLIENT_BUILD, 'assets', file)) || !fs.existsSync(path.join(assets, `${file}.map`))) continue;
      maps.set(file, new SourceMap(JSON.parse(fs.readFileSync(path.join(assets, `${file}.map`), 'utf8'))));
    }
    const name: FrameNamer = (frame) => {
      const map = frame.url ? maps.get(frame.url.split('/').pop()!) : undefined;
      // Both zero-based, as the profile's positions are.
      const entry = map?.findEntry(frame.lineNumber ?? 0, frame.columnNumber ?? 0);
      // An empty entry, or one with no source (code the bundler wrote itself), keeps its position.
      if (!entry || !('originalSource' in entry) || typeof entry.originalSource !== 'string') return frameKey(frame);
      const source = entry.originalSource.replace(/^.*?\/(client|shared|node_modules)\//, '$1/');
      // The map's own name where it has one: the profile's is the minified one.
      const original = (entry as { name?: string }).name;
      return `${original || frame.functionName || '(anonymous)'} ${source}:${entry.originalLine + 1}`;
    };
    return { name, mapped: [...maps.keys()] };
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}
